## Courriels et SMS (espace-notify). Des phrases simples : la mise en page ajoute le reste.

email-hello = Bonjour,
email-footer = Ce message vous est envoyé par { $brand } au sujet de votre identifiant. Nous ne vous demandons jamais votre mot de passe ni un code par courriel ou par téléphone.
email-help-line = Centre d’aide : { $url }
email-help = Centre d’aide
email-undo-action = Annuler cette modification
email-undo-until = Ce lien fonctionne une seule fois, jusqu’au { $time }. Si vous êtes à l’origine de cette modification, vous n’avez rien à faire.

email-verification-code-subject = { $brand } : votre code de vérification
email-verification-code-intro = Voici le code à saisir dans votre espace client pour confirmer cette adresse :
email-verification-code-validity = Il est valable { $minutes } minutes et ne peut servir qu’une fois.
email-verification-code-never-share = Ne le communiquez à personne, même à quelqu’un qui se présente comme { $brand }. Si vous ne l’avez pas demandé, ignorez ce message : rien ne change.
sms-verification-code = { $brand } : votre code est { $code }. Valable { $minutes } min. Ne le communiquez jamais.

email-password-changed-subject = { $brand } : votre mot de passe a été modifié
email-password-changed-intro = Le mot de passe de l’identifiant { $identifier } a été modifié le { $time } depuis { $device } (adresse { $ip }). Tous les autres appareils ont été déconnectés.
email-password-changed-not-you = Si ce n’est pas vous, contactez immédiatement le support : quelqu’un a peut-être accès à votre identifiant.

email-email-changed-subject = { $brand } : votre adresse électronique a été modifiée
email-email-changed-intro = L’adresse électronique de l’identifiant { $identifier } a été remplacée par { $address }. Nous écrivons à l’ancienne adresse pour que vous puissiez annuler si vous n’êtes pas à l’origine de la modification.

email-phone-changed-subject = { $brand } : votre numéro de téléphone a été modifié
email-phone-changed-intro = Le numéro de téléphone de l’identifiant { $identifier } a été remplacé par { $phone }.
email-phone-removed-intro = Le numéro de téléphone de l’identifiant { $identifier } a été supprimé.

email-new-device-subject = { $brand } : nouvelle connexion à votre identifiant
email-new-device-intro = Quelqu’un s’est connecté à l’identifiant { $identifier } le { $time } depuis un appareil jamais utilisé : { $device } (adresse { $ip }).
email-new-device-if-you = Si c’est vous, vous n’avez rien à faire. Sinon, utilisez le bouton ci-dessous : cet appareil est aussitôt déconnecté, puis changez votre mot de passe.
email-new-device-action = Ce n’était pas moi

email-manager-message-subject = { $brand } : nouveau message d’un client
email-manager-message-intro = { $name } ({ $company }) vous a écrit :
email-manager-message-action = Répondre dans le back-office

email-manager-reply-subject = { $brand } : votre gestionnaire de compte web a répondu
email-manager-reply-intro = { $name }, votre gestionnaire de compte web, a répondu à votre message :
email-manager-reply-action = Voir la conversation

email-invitation-subject = { $brand } : vous êtes invité(e) dans l’espace client
email-invitation-intro = { $name } vous invite à gérer les services de { $company } dans l’espace client { $brand }.
email-invitation-identifier = Votre identifiant de connexion est { $identifier }. Choisissez votre mot de passe avec le bouton ci-dessous.
email-invitation-action = Choisir mon mot de passe
email-invitation-until = Ce lien fonctionne une seule fois, jusqu’au { $time }.

email-password-reset-subject = { $brand } : choisissez un nouveau mot de passe
email-password-reset-intro = Quelqu’un a demandé à choisir un nouveau mot de passe pour l’identifiant { $identifier }. Si c’est vous, utilisez le bouton ci-dessous.
email-password-reset-action = Choisir un nouveau mot de passe
email-password-reset-until = Ce lien fonctionne une seule fois, jusqu’au { $time }. Une nouvelle demande l’annule.
email-password-reset-not-you = Si vous n’avez rien demandé, ignorez ce message : votre mot de passe ne change pas.

email-login-reminder-subject = { $brand } : vos identifiants
email-login-reminder-intro = { $count ->
    [one] Cette adresse est liée à cet identifiant :
   *[other] Cette adresse est liée à ces identifiants :
}
email-login-reminder-action = Se connecter
email-login-reminder-not-you = Si vous n’avez rien demandé, ignorez ce message.

email-unlocked-subject = { $brand } : votre identifiant a été débloqué
email-unlocked-intro = Le blocage temporaire de l’identifiant { $identifier } a été levé par { $name }. Vous pouvez de nouveau vous connecter.
email-unlocked-not-you = Si vous ne l’avez pas demandé, contactez votre gestionnaire de sécurité ou le support : les mauvais mots de passe ont peut-être été saisis par quelqu’un d’autre.

email-recovery-case-opened-subject = { $brand } : nous avons reçu votre demande d’aide
email-recovery-case-opened-intro = Nous avons bien reçu votre demande pour retrouver l’accès à votre compte. Sa référence est { $reference }.
email-recovery-case-opened-next = Un agent du support va vérifier votre identité, le plus souvent en vous rappelant. Rien ne change sur votre compte d’ici là. Ensuite, un code arrivera à cette adresse : saisissez-le sur la page de votre demande.
email-recovery-case-action = Suivre ma demande
email-recovery-case-opened-not-you = Si vous n’avez pas demandé d’aide, ignorez ce message : rien ne changera.

email-recovery-case-rejected-subject = { $brand } : votre demande d’aide a été close
email-recovery-case-rejected-intro = Le support n’a pas pu vérifier votre identité : votre demande { $reference } a été close et rien n’a changé sur aucun compte. Vous pouvez faire une nouvelle demande en précisant mieux comment vous joindre, ou demander l’aide du gestionnaire de sécurité de votre entreprise.

email-address-linked-subject = { $brand } : une nouvelle adresse électronique a été associée à votre identifiant
email-address-linked-intro = À votre demande, le support a vérifié votre identité et associé l’adresse { $email } à l’identifiant { $identifier }. Les messages concernant cet identifiant iront désormais à cette adresse.
email-address-linked-not-you = Si vous n’avez rien demandé, contactez le support immédiatement : quelqu’un tente peut-être de prendre le contrôle de votre compte.

email-method-added-subject = { $brand } : une méthode de double authentification a été ajoutée
email-method-added-intro = La méthode « { $method } » a été ajoutée à l’identifiant { $identifier } le { $time }.
email-method-added-not-you = Si vous ne l’avez pas ajoutée, changez votre mot de passe et contactez immédiatement votre gestionnaire de sécurité ou le support.
email-method-removed-subject = { $brand } : une méthode de double authentification a été supprimée
email-method-removed-intro = La méthode « { $method } » a été supprimée de l’identifiant { $identifier } le { $time }.
email-method-removed-not-you = Si vous ne l’avez pas supprimée, changez votre mot de passe et contactez immédiatement votre gestionnaire de sécurité ou le support.

email-strong-auth-on-subject = { $brand } : la double authentification est désormais exigée
email-strong-auth-on-intro = { $name } a activé la double authentification pour l’identifiant { $identifier }. Désormais, la connexion demande un second facteur après le mot de passe : un code d’application d’authentification, une clé d’accès (passkey), ou un code par courriel ou SMS.
email-strong-auth-on-now = Si vous n’avez pas encore de méthode, votre prochaine connexion vous mènera directement à sa configuration.
email-strong-auth-on-deadline = Si vous n’avez pas encore de méthode, configurez-en une dans Ma sécurité avant le { $time } ; passé ce délai, la connexion ne mènera qu’à sa configuration.
email-strong-auth-off-subject = { $brand } : la double authentification n’est plus exigée
email-strong-auth-off-intro = { $name } a désactivé l’obligation de double authentification pour l’identifiant { $identifier }. Vos méthodes restent et servent toujours à confirmer les actions sensibles.
email-strong-auth-requested-subject = { $brand } : une personne demande la double authentification
email-strong-auth-requested-intro = { $name } (identifiant { $identifier }) vous demande d’activer la double authentification pour son identifiant.
email-strong-auth-requested-action = Voir la double authentification
email-recovery-codes-generated-subject = { $brand } : nouveaux codes de secours
email-recovery-codes-generated-intro = De nouveaux codes de secours ont été générés pour l’identifiant { $identifier } le { $time }. Les précédents ne fonctionnent plus.
email-recovery-code-used-subject = { $brand } : un code de secours a été utilisé
email-recovery-code-used-intro = Un code de secours a servi à se connecter à l’identifiant { $identifier } le { $time }. { $left ->
    [0] Il ne reste aucun code de secours : générez-en de nouveaux dans Ma sécurité.
    [one] Il reste un code de secours.
   *[other] Il reste { $left } codes de secours.
}

email-factor-reset-requested-subject = { $brand } : vos méthodes de double authentification vont être réinitialisées
email-factor-reset-requested-intro = { $name } a demandé la réinitialisation des méthodes de double authentification de l’identifiant { $identifier }, signalées comme perdues. Le { $time }, toutes les méthodes et tous les codes de secours de cet identifiant seront supprimés, et votre prochaine connexion vous demandera d’en configurer une nouvelle.
email-factor-reset-requested-action = Annuler cette réinitialisation
email-factor-reset-requested-not-you = Si vous n’êtes pas à l’origine de cette demande, annulez-la tout de suite avec le bouton ci-dessus et contactez votre gestionnaire de sécurité : quelqu’un tente peut-être de prendre le contrôle de votre identifiant.
sms-factor-reset-requested = { $brand } : la double authentification de { $identifier } sera réinitialisée le { $time }. Pas vous ? Annulez depuis le courriel envoyé.
email-factor-reset-cancelled-subject = { $brand } : la réinitialisation de la double authentification est annulée
email-factor-reset-cancelled-intro = La réinitialisation des méthodes de double authentification de l’identifiant { $identifier } a été annulée. Ses méthodes restent inchangées.
email-factor-reset-done-subject = { $brand } : vos méthodes de double authentification ont été réinitialisées
email-factor-reset-done-intro = Les méthodes de double authentification et les codes de secours de l’identifiant { $identifier } ont été supprimés, comme demandé. Votre prochaine connexion vous demandera d’en configurer une nouvelle.
email-factor-reset-done-action = Se connecter
email-factor-reset-done-not-you = Si vous n’avez pas demandé cette réinitialisation, contactez immédiatement votre gestionnaire de sécurité ou le support : quelqu’un configure peut-être sa propre méthode sur votre identifiant.

# Application compagnon (SPEC §4.6)
email-push-request-subject = { $brand } : une demande attend sur votre application compagnon
push-request-text = { $purpose ->
    [step-up] { $brand } : confirmer que c’est bien vous pour { $identifier } ? Ouvrez l’application compagnon et choisissez le nombre affiché sur votre écran.
    [password-reset] { $brand } : approuver la réinitialisation du mot de passe de { $identifier } ? Ouvrez l’application compagnon et choisissez le nombre affiché sur votre écran.
   *[other] { $brand } : approuver la connexion à { $identifier } ? Ouvrez l’application compagnon et choisissez le nombre affiché sur votre écran.
}
email-push-refused-subject = { $brand } : une demande a été refusée sur votre application compagnon
email-push-refused-intro = { $answer ->
    [reported] Vous avez répondu « Ce n’était pas moi » sur votre application compagnon à une demande pour l’identifiant { $identifier }, faite le { $time } depuis { $device } (adresse { $ip }). Cette tentative a été arrêtée.
    [mismatch] Une demande pour l’identifiant { $identifier }, faite le { $time } depuis { $device } (adresse { $ip }), a été refusée sur votre application compagnon : le nombre choisi n’était pas celui affiché à l’écran.
   *[other] Une demande pour l’identifiant { $identifier }, faite le { $time } depuis { $device } (adresse { $ip }), a été refusée sur votre application compagnon.
}
email-sms-breaker-tripped-subject = { $brand } : envoi de SMS suspendu (coupe-circuit)
email-sms-breaker-tripped-intro = Plus de { $limit } codes par SMS ont été demandés en { $minutes } minutes, tous identifiants confondus. Aucun code par SMS ne part avant le { $time } ; on propose aux personnes une autre méthode ou d’attendre.
email-sms-breaker-tripped-next = Consultez le journal d’audit (sms.breaker-tripped, code.send-throttled) et la métrique espace_sms_breaker_refused_total pour savoir d’où venaient les demandes. Si le volume est légitime, relevez app.limits.sms_breaker.
email-push-refused-next = Si vous n’avez pas essayé de vous connecter, quelqu’un connaît votre mot de passe : changez-le maintenant et prévenez votre gestionnaire de sécurité ou le support.
