# Espace, French: signing in, sessions and devices. Keys are shared with en/auth.ftl.

session-idle-notice = Pour votre sécurité, vous êtes déconnecté après { $minutes } minutes sans activité.
session-stay = Rester connecté
session-warning-title = Votre session va bientôt se terminer
session-warning-text = Vous serez déconnecté à { $time } si vous ne restez pas connecté.
session-warning-absolute = Pour votre sécurité, vous serez déconnecté à { $time } ; ce délai ne peut pas être prolongé. Enregistrez votre travail.
session-extended = Votre session a été prolongée.
session-ended = Votre session est terminée. Reconnectez-vous pour continuer.
login-title = Se connecter
login-intro = Connectez-vous pour gérer votre compte, vos contrats, vos factures et vos demandes.
login-identifier = Identifiant
login-identifier-hint = L’identifiant qui vous a été communiqué, par exemple alice.martin. Majuscules et minuscules sont équivalentes.
login-password = Mot de passe
login-show-password = Afficher le mot de passe
login-hide-password = Masquer le mot de passe
login-submit = Se connecter
login-missing-identifier = Saisissez votre identifiant.
login-missing-password = Saisissez votre mot de passe.
login-wrong = L’identifiant ou le mot de passe est incorrect.
login-remaining = { $remaining ->
    [one] Il vous reste 1 essai avant que votre identifiant soit bloqué pendant { $minutes } minutes.
   *[other] Il vous reste { $remaining } essais avant que votre identifiant soit bloqué pendant { $minutes } minutes.
}
login-repeated = Vous avez saisi à nouveau le même mauvais mot de passe : il n’a pas été compté deux fois. Cela arrive souvent quand le navigateur remplit un ancien mot de passe enregistré : supprimez le mot de passe enregistré pour ce site dans votre navigateur et saisissez votre mot de passe vous-même.
login-locked = Votre identifiant est temporairement bloqué après trop de mots de passe erronés. Il se débloque de lui-même à { $time } (dans { $minutes } min).
login-locked-help = D’ici là, aucun mot de passe n’est vérifié, même correct : le formulaire n’est donc pas proposé. Choisir un nouveau mot de passe lève le blocage aussitôt.
login-locked-reset = Choisir un nouveau mot de passe
login-locked-unlock = Le responsable de la sécurité de votre entreprise, ou le support du fournisseur, peut aussi voir pourquoi votre identifiant est bloqué et le débloquer.
login-locked-other = Se connecter avec un autre identifiant
login-throttled = Trop de connexions échouées sont venues de votre réseau. La connexion y est suspendue jusqu’à { $time } (dans { $minutes } min).
login-throttled-help = Rien n’a été vérifié entre-temps. Si vous partagez ce réseau avec beaucoup de personnes, réessayez après cette heure.
login-busy = Trop de connexions sont en cours de traitement. Patientez quelques secondes puis réessayez.
login-notice-signed-out = Vous êtes déconnecté.
login-notice-expired = Votre session s’est terminée après une période sans activité. Reconnectez-vous pour continuer.

sessions-title = Appareils connectés
sessions-intro = Les navigateurs et appareils où votre identifiant est connecté. Si vous n’en reconnaissez pas un, déconnectez-le et changez votre mot de passe.
sessions-device = Appareil
sessions-address = Adresse réseau
sessions-signed-in = Connexion
sessions-last-seen = Dernière activité
sessions-actions = Action
sessions-this-device = Cet appareil
sessions-sign-out = Déconnecter
sessions-sign-out-others = Déconnecter tous les autres appareils
sessions-none-other = Aucun autre appareil n’est connecté.
sessions-place-note = L’adresse est l’adresse réseau vue par Espace ; sa localisation est approximative.
sessions-notice-revoked = L’appareil a été déconnecté.
sessions-notice-others-revoked = { $count ->
    [one] 1 autre appareil a été déconnecté.
   *[other] { $count } autres appareils ont été déconnectés.
}
device-format = { $browser } sous { $os }
device-unknown = Navigateur inconnu
device-unknown-os = un système inconnu
login-notice-password-set = Votre mot de passe est enregistré. Connectez-vous avec votre identifiant et ce mot de passe.

not-me-title = Connexion que vous ne reconnaissez pas
not-me-text = L’appareil indiqué dans le courriel sera aussitôt déconnecté. Changez ensuite votre mot de passe : la personne qui s’est connectée le connaît.
not-me-button = Déconnecter cet appareil
not-me-done-title = L’appareil a été déconnecté
not-me-done-signed-out = L’appareil que vous ne reconnaissiez pas a été déconnecté.
not-me-done-already = Cet appareil était déjà déconnecté.
not-me-done-next = Changez maintenant votre mot de passe et vérifiez votre activité de sécurité.
login-notice-password-reset = Votre nouveau mot de passe est enregistré et tous les appareils ont été déconnectés. Connectez-vous avec.
login-passkey-text = Ou, si vous avez configuré une clé d’accès :
login-passkey = Se connecter avec une clé d’accès
