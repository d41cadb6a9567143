# Espace, French: the frame of every page: header, navigation, notices, errors, form words, dates, accessibility, what is new, the demo outbox. Keys are shared with en/common.ftl.

brand = Espace
brand-tagline = Votre espace client
skip-to-content = Aller au contenu principal
nav-label = Menu principal
nav-dashboard = Tableau de bord
nav-account = Mon compte
nav-users = Utilisateurs
nav-backoffice = Back-office
menu-button = Menu
notice-success = Succès
notice-information = Information
signed-in-as = Connecté en tant que { $name }
sign-out = Se déconnecter
language-label = Langue
language-switch = Changer de langue
language-fr = Français
language-en = English
footer-accessibility = Accessibilité : non conforme
footer-label = Pied de page
title-error-prefix = Erreur :
error-summary-title = Il y a un problème

a11y-title = Déclaration d’accessibilité
a11y-commitment = Le fournisseur s’engage à rendre Espace accessible conformément à l’article 47 de la loi n° 2005-102 du 11 février 2005. Cette déclaration s’applique à l’espace client Espace.
a11y-status-title = État de conformité
a11y-status = Espace est non conforme au référentiel général d’amélioration de l’accessibilité RGAA 4.1 (équivalent WCAG 2.1 niveau AA) : aucun audit des 106 critères n’a encore été réalisé, et l’évaluation interne décrite ci-dessous relève des non-conformités.
a11y-results-title = Résultats des tests
a11y-results = Aucun audit complet n’a été réalisé ; aucun taux de conformité ne peut donc être publié. Une évaluation interne a été menée : toutes les pages de la suite de tests du navigateur, en français et en anglais, avec et sans JavaScript, connecté comme client, administrateur et agent du support ou non connecté, à 1280 et à 320 pixels de large. Outils : axe-core (règles WCAG 2.1 A et AA) dans la suite de tests du navigateur (Chromium), une revue manuelle au clavier seul des parcours principaux, et l’affichage avec une taille de texte doublée. Les vérifications automatiques ne relèvent aucune violation ; la revue manuelle relève les défauts listés ci-dessous.
a11y-nonaccessible-title = Contenus non accessibles
a11y-nonaccessible = Non-conformités connues :
a11y-issue-javascript = les clés d’accès et l’application compagnon nécessitent JavaScript (le navigateur les exige) ; toutes les autres fonctions s’en passent.
a11y-date-title = Établissement de cette déclaration
a11y-date = Cette déclaration a été établie le 3 décembre 2026, à partir de l’évaluation interne décrite ci-dessus.
a11y-tech-title = Technologies utilisées
a11y-tech = HTML5, CSS, et JavaScript uniquement en amélioration.
a11y-env-title = Environnement de test
a11y-env = Chromium (version courante) avec axe-core ; navigation au clavier seul ; chaque page vérifiée à 320 pixels de large sans défilement horizontal, pour chaque type d’identifiant ; les formulaires vérifiés avec la taille du texte du navigateur doublée.
a11y-feedback-title = Retour d’information et contact
a11y-feedback = Si vous n’arrivez pas à accéder à un contenu ou à un service, signalez-le pour être orienté vers une alternative accessible ou obtenir le contenu sous une autre forme : une fois connecté, par le formulaire de message de la page « Ma société » ; sinon par courriel à l’adresse accessibilite@espace.example.
a11y-feedback-form = Écrire depuis « Ma société » (connexion nécessaire)
a11y-recourse-title = Voies de recours
a11y-recourse-form = Écrire au Défenseur des droits (formulaire en ligne)
a11y-recourse-delegates = Trouver le délégué du Défenseur des droits de votre région
a11y-recourse = Si vous avez signalé un défaut d’accessibilité qui vous empêche d’accéder à un contenu ou à un service et que vous n’avez pas obtenu de réponse satisfaisante, vous pouvez écrire au Défenseur des droits, contacter le délégué du Défenseur des droits de votre région, ou envoyer un courrier gratuitement à : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.

error-title = Une erreur est survenue
error-operation-id = Référence de l’opération pour le support : { $id }
error-back-home = Retour à l’accueil
error-400-title = La demande n’a pas pu être lue
error-400-text = Le formulaire envoyé n’a pas pu être lu. Revenez en arrière, vérifiez les champs et réessayez.
error-403-csrf-title = Ce formulaire a expiré
error-403-csrf-text = Pour votre sécurité, un formulaire n’est accepté que depuis une page d’Espace ouverte dans ce navigateur. La page est peut-être restée ouverte trop longtemps, ou le formulaire provenait d’un autre site. Revenez en arrière, rechargez la page et renvoyez le formulaire.
error-404-title = Page introuvable
error-404-text = Il n’y a pas de page à cette adresse. Vérifiez l’adresse ou revenez à l’accueil.
error-405-title = Action non autorisée
error-405-text = Cette adresse n’accepte pas ce type de demande.
error-413-title = Trop de données envoyées
error-413-text = Le formulaire envoyé dépasse la taille acceptée par Espace. Raccourcissez le texte et réessayez.
error-500-text = Une erreur inattendue a interrompu l’opération ; rien n’a été modifié. Réessayez dans un instant ; si cela se reproduit, communiquez au support la référence ci-dessous.
error-503-title = Service très sollicité
error-503-text = Espace est très sollicité en ce moment. Patientez quelques secondes puis réessayez.

footer-whats-new = Nouveautés
whats-new-title = Nouveautés
whats-new-intro = Les dernières évolutions d’Espace, des plus récentes aux plus anciennes.
whats-new-0-1-title = Version 0.1 — connexion sécurisée
whats-new-0-1-date = Novembre 2026
whats-new-0-1-signin = Connectez-vous avec votre identifiant et votre mot de passe. Majuscules et minuscules de l’identifiant sont équivalentes.
whats-new-0-1-lock = Après 5 mots de passe erronés, votre identifiant est bloqué 30 minutes, puis se débloque de lui-même. Saisir à nouveau le même mauvais mot de passe (souvent un ancien mot de passe enregistré dans le navigateur) ne compte qu’une fois, et la page vous le signale.
whats-new-0-1-session = Pour votre sécurité, vous êtes déconnecté après 30 minutes sans activité ; deux minutes avant, un message vous permet de rester connecté.
whats-new-0-1-language = Choisissez le français ou l’anglais dans l’en-tête ; votre choix est mémorisé pour votre identifiant.
whats-new-0-1-account = Le tableau de bord liste vos contrats ; Mon compte présente vos informations personnelles, votre société et vos droits.

whats-new-0-1-devices = Mon compte liste les appareils où vous êtes connecté : déconnectez-en un, ou tous les autres. Votre activité de sécurité montre chaque connexion, échec, blocage et déconnexion sur votre identifiant.
whats-new-0-1-rights = Mes droits montre ce que vous pouvez faire sur chaque contrat et rubrique, et vos rôles dans la société.

problem-required-current-password = Saisissez votre mot de passe actuel.
problem-required-new-password = Choisissez un nouveau mot de passe.
problem-required-new-password-confirm = Saisissez une seconde fois le nouveau mot de passe.
problem-required-login = Saisissez votre identifiant ou votre adresse électronique.
problem-required-email = Saisissez une adresse électronique.
problem-required-code = Saisissez le code à 6 chiffres.
problem-required-message = Écrivez votre message.
problem-required-first-name = Saisissez le prénom.
problem-required-last-name = Saisissez le nom.
problem-too-long = Utilisez au plus { $max } caractères.
problem-control-characters = { $count ->
    [one] Ce champ contient un caractère de contrôle invisible qui n’est pas autorisé ({ $characters }) : retirez-le et envoyez à nouveau.
   *[other] Ce champ contient des caractères de contrôle invisibles qui ne sont pas autorisés ({ $characters }) : retirez-les et envoyez à nouveau.
}
form-refused-title = Vérifiez le formulaire
form-refused-intro = Un champ du formulaire contenait un caractère qui n’est pas autorisé : rien n’a été fait. Vérifiez le champ signalé, retapez les mots de passe et les codes, puis envoyez à nouveau.
form-refused-submit = Envoyer à nouveau
form-refused-back = Revenir au formulaire
form-field-other = Le champ « { $name } » :
form-field-login = Identifiant ou adresse électronique
form-field-password = Mot de passe
form-field-current-password = Mot de passe actuel
form-field-new-password = Nouveau mot de passe
form-field-new-password-confirm = Nouveau mot de passe, une seconde fois
form-field-email = Adresse électronique
form-field-new-email = Nouvelle adresse électronique
form-field-phone = Numéro de téléphone
form-field-title = Civilité
form-field-first-name = Prénom
form-field-last-name = Nom
form-field-who = Nom et prénom
form-field-company = Entreprise
form-field-reference = Référence de la demande
form-field-code = Code
form-field-recovery-code = Code de secours
form-field-label = Nom de la méthode
form-field-number = Nombre affiché
form-field-deadline = Date limite
form-field-wait-hours = Délai en heures
form-field-q = Recherche
form-field-message = Message
form-field-note = Note
form-field-closing-note = Note de clôture
form-field-reason = Motif
problem-wrong-password = Le mot de passe actuel est incorrect.
problem-password-locked = Trop de mots de passe erronés : votre mot de passe est bloqué pendant { $minutes } min. D’ici là, aucun mot de passe n’est vérifié, même correct. « Mot de passe oublié ? » sur la page de connexion lève le blocage.
problem-mismatch = Les deux nouveaux mots de passe sont différents.
problem-same-as-before = Le nouveau mot de passe doit être différent de l’actuel.
problem-policy = Le nouveau mot de passe ne respecte pas ces règles :
problem-policy-count = { $count ->
    [one] Le nouveau mot de passe ne respecte pas 1 règle : voir la liste au niveau du champ.
   *[other] Le nouveau mot de passe ne respecte pas { $count } règles : voir la liste au niveau du champ.
}
problem-email-shape = Saisissez une adresse électronique de la forme nom@exemple.fr.
problem-email-length = Une adresse électronique compte au plus 254 caractères.
problem-phone-shape = Saisissez un numéro de la forme 06 12 34 56 78 ou +33 6 12 34 56 78.
problem-phone-invalid = Ce numéro n’existe pas : vérifiez les chiffres et l’indicatif du pays.
problem-code-shape = Le code compte 6 chiffres.
problem-code-wrong = Ce code est incorrect. { $remaining ->
    [one] Il reste 1 essai.
   *[other] Il reste { $remaining } essais.
}
problem-code-void = Ce code ne fonctionne plus (expiré après 10 minutes, ou trop d’essais). Demandez-en un nouveau avec le formulaire ci-dessous.
problem-choice = Choisissez l’une des options proposées.
problem-beyond-own-rights = Vous ne pouvez pas donner un droit que vous n’avez pas vous-même.
problem-taken = Cet identifiant est déjà pris.
problem-last-administrator = La société doit garder au moins un administrateur.
problem-referent = Cette personne est référente d’un contrat : confiez d’abord ce rôle à quelqu’un d’autre.
problem-own-login = Vous ne pouvez pas retirer votre propre accès.

link-dead-title = Ce lien ne fonctionne plus
link-dead-text = Il a déjà servi, il a expiré ou il est incomplet. Les liens envoyés par courriel fonctionnent une fois et pour une durée limitée.
link-to-login = Aller à la page de connexion
link-sign-in-and-change = Me connecter et changer mon mot de passe
outbox-title = Boîte d’envoi de la démonstration
outbox-intro = Tous les courriels et SMS que la démonstration enverrait, les plus récents d’abord. Cette page n’existe qu’en mode démonstration.
outbox-empty = Aucun message pour l’instant.
outbox-channel = Canal
outbox-channel-email = Courriel
outbox-channel-sms = SMS
outbox-to = Destinataire
outbox-when = Mis en file le
outbox-status = État
outbox-status-pending = En attente d’envoi
outbox-status-sent = Envoyé
outbox-status-failed = Échec
outbox-html = Voir la version HTML
whats-new-0-2-title = Version 0.2 — Mon compte
whats-new-0-2-date = Novembre 2026
whats-new-0-2-password = Modifiez votre mot de passe dans Mon compte : toutes les règles sont listées avant le champ, le niveau s’affiche pendant la saisie, et vos autres appareils sont déconnectés.
whats-new-0-2-contact = Modifiez votre civilité, votre adresse électronique et votre téléphone. Une nouvelle adresse ou un nouveau mobile s’applique une fois saisi le code qui y est envoyé ; votre ancienne adresse est prévenue et peut annuler pendant 72 heures.
whats-new-0-2-device = Une connexion depuis un appareil jamais utilisé vous envoie un courriel avec un bouton « Ce n’était pas moi » qui déconnecte cet appareil.
whats-new-0-2-company = Ma société présente votre société et votre gestionnaire de compte web ; écrivez-lui et lisez ses réponses au même endroit.
whats-new-0-2-users = Les administrateurs de société invitent des utilisateurs, donnent des droits par contrat et par rubrique (jamais plus qu’ils n’en ont), transmettent le rôle de référent de contrat et retirent des accès.

whats-new-0-2-recovery = Mot de passe ou identifiant oublié ? La page de connexion envoie à votre adresse vérifiée un lien pour choisir un nouveau mot de passe (qui lève aussi un blocage temporaire), ou vos identifiants.
whats-new-0-2-unlock = Le gestionnaire de sécurité de votre société, ou le support, peut voir pourquoi un identifiant est bloqué et le débloquer ; vous recevez un courriel et le voyez dans votre activité.

field-optional = (facultatif)
problem-required-who = Saisissez votre identifiant ou votre nom.
problem-required-company = Saisissez le nom de votre entreprise.
problem-required-new-email = Saisissez l’adresse électronique où vous écrire.
problem-required-reference = Saisissez la référence de votre demande.
problem-required-login-id = Choisissez l’identifiant concerné par la demande.
problem-required-method = Choisissez comment l’identité a été vérifiée.
problem-required-note = Décrivez comment l’identité a été vérifiée.
problem-required-closing-note = Indiquez pourquoi la demande est close.
problem-throttled = Trop de demandes : vous pourrez réessayer dans { $minutes } min.
problem-sms-region = Nous n’envoyons pas de SMS vers les numéros de ce pays. Indiquez un mobile de France ou d’un autre pays de l’Union européenne, ou choisissez une autre méthode.
problem-sms-paused = L’envoi de SMS est suspendu pour un moment : réessayez dans { $minutes } min, ou choisissez une autre méthode.
problem-state = Cette demande a évolué entre-temps : la page montre maintenant où elle en est.
whats-new-0-2-assisted = Adresse électronique obsolète ? Demandez l’aide du support depuis les pages de connexion : une référence vous permet de suivre votre demande ; une fois votre identité vérifiée par le support, un code envoyé à votre nouvelle adresse l’associe à votre identifiant, et votre ancienne adresse est prévenue.

problem-required-label = Donnez un nom à cette méthode.
problem-too-many = Vous ne pouvez pas en avoir plus de { $max }.
problem-totp-wrong = Ce n’est pas le code que l’application affiche maintenant. Vérifiez que votre téléphone est à l’heure et saisissez le code actuel.
whats-new-0-2-totp = Ma sécurité : ajoutez une application d’authentification (QR code ou clé), renommez vos méthodes, choisissez celle proposée en premier ; un courriel vous prévient de chaque ajout ou suppression.

problem-recovery-shape = Un code de secours comporte 10 lettres et chiffres, comme ABCDE-12345.
problem-factor-wrong = { $remaining ->
    [one] Ce code n’est pas le bon. Encore 1 essai avant que la deuxième étape soit bloquée un moment.
   *[other] Ce code n’est pas le bon. Encore { $remaining } essais avant que la deuxième étape soit bloquée un moment.
}
problem-factor-locked = Trop d’essais erronés : la deuxième étape est bloquée pendant { $minutes } min. Votre mot de passe n’est pas concerné.
problem-last-method = C’est votre dernière méthode de double authentification et celle-ci est exigée : ajoutez une autre méthode avant de supprimer celle-ci.
problem-passkey-refused = Cette clé d’accès n’a pas été acceptée. Réessayez ou utilisez une autre méthode.
whats-new-0-3-title = Version 0.3
whats-new-0-3-date = Novembre 2026
whats-new-0-3-forcing = Votre gestionnaire de sécurité (ou le support) peut exiger la double authentification pour un identifiant, pour toute la société ou pour les détenteurs d’un droit, avec une date limite s’il le souhaite ; vous pouvez la demander depuis Ma sécurité.
whats-new-0-3-signin = La connexion à un identifiant protégé demande une deuxième étape : clé d’accès, application d’authentification, code par courriel ou SMS, ou code de secours. Un identifiant protégé sans méthode est mené directement à sa configuration.
whats-new-0-3-passkeys = Clés d’accès (passkeys) : ajoutez-en une dans Ma sécurité et connectez-vous sans mot de passe.
whats-new-0-3-stepup = Les actions sensibles (mot de passe, adresse électronique, téléphone, méthodes, utilisateurs et droits) vous demandent de confirmer votre identité si votre dernière connexion date de plus de 5 minutes.
whats-new-0-3-status = Mes identifiants de double authentification montre l’état de chacun de vos identifiants.
whats-new-0-3-lost = Vous avez perdu toutes vos méthodes ? Un code de secours vous connecte encore. Sinon, votre gestionnaire de sécurité ou le support peut réinitialiser vos méthodes : vous êtes prévenu par courriel et SMS et pouvez annuler pendant un délai d’attente choisi par l’entreprise. La réinitialisation du mot de passe d’un identifiant protégé demande désormais elle aussi un second facteur.
whats-new-0-3-resume = Quand un formulaire sensible vous demande d’abord de confirmer votre identité, ce que vous aviez saisi est conservé : une fois confirmé, envoyez-le d’un clic.
problem-range = Saisissez un nombre entier entre { $min } et { $max }.
problem-own-reset = Vous ne pouvez pas réinitialiser vos propres méthodes de double authentification : demandez à un autre gestionnaire de sécurité ou au support.
problem-reset-pending = Une réinitialisation attend déjà pour cet identifiant. Retirez-la d’abord pour en demander une autre.
problem-nothing-to-reset = Cet identifiant n’a ni méthode de double authentification ni code de secours à réinitialiser.
problem-required-reason = Indiquez pourquoi les méthodes doivent être réinitialisées (comment la personne les a perdues, comment vous avez vérifié que c’était bien elle).
problem-required-wait-hours = Saisissez le délai d’attente en heures.
problem-number-choice = Choisissez le nombre affiché sur l’écran où vous vous connectez.
problem-number-mismatch = Ce n’était pas le nombre affiché à l’écran : la demande est refusée. Si vous vous connectez, envoyez une nouvelle demande.
problem-push-gone = Cette demande n’attend plus : elle a reçu une réponse, a expiré ou a été remplacée par une plus récente.
whats-new-0-5-title = Version 0.5 — constats des revues de sécurité et d’accessibilité
whats-new-0-5-date = Décembre 2026
whats-new-0-5-lock = Un seul blocage pour votre mot de passe, partout : les mots de passe erronés saisis pour confirmer votre identité ou sur la page du mot de passe comptent comme ceux de la connexion, et tant que votre identifiant est bloqué, aucun mot de passe n’est vérifié nulle part. Les codes erronés d’un second facteur comptent toujours, même le même code saisi à nouveau.
whats-new-0-5-known-device = Quelqu’un qui ne connaît que votre identifiant ne peut plus vous bloquer sur votre propre navigateur : un navigateur avec lequel vous vous êtes déjà connecté, ou depuis lequel vous avez réinitialisé votre mot de passe, a son propre décompte de mots de passe erronés. Seul le navigateur qui a saisi un mot de passe erroné est averti qu’il l’a saisi à nouveau.
whats-new-0-5-throttle = Trop de connexions échouées depuis un même réseau sont désormais refusées aussitôt, avec l’heure à laquelle réessayer, au lieu de réponses ralenties.
whats-new-0-5-reflow = Sur un téléphone, chaque page tient désormais dans l’écran : les tableaux larges deviennent une carte par ligne (appareils, droits, double authentification), et les adresses longues passent à la ligne.
whats-new-0-5-text-size = Les champs, listes, boutons radio et cases à cocher grandissent avec la taille du texte choisie dans votre navigateur ; les boutons radio et les cases à cocher sont plus grands et plus faciles à atteindre.
whats-new-0-5-notices = Les messages qui suivent une action s’affichent en haut de la page et sont lus en premier ; un succès et une information se distinguent par leur titre et leur bordure, pas seulement par leur couleur.
whats-new-0-5-menu = Sur un téléphone, l’en-tête tient sur une ligne : le bouton Menu ouvre la navigation, le choix de la langue et la déconnexion, même sans JavaScript.
whats-new-0-5-navigation = Le menu principal montre les rubriques que vous pouvez utiliser : Utilisateurs pour les administrateurs, le back-office pour le personnel du fournisseur, dont le tableau de bord liste désormais les outils.
whats-new-0-5-titles = Titres des pages : un formulaire renvoyé avec des erreurs l’indique d’abord dans le titre de la page, et une page consacrée à une personne la nomme, pour que les lecteurs d’écran et les onglets du navigateur les distinguent.
whats-new-0-5-confirm = Retirer l’accès d’une personne, désactiver une obligation de double authentification ou supprimer une méthode demande d’abord confirmation, sur une page qui dit ce qui va se passer, avec un bouton pour continuer et un lien pour annuler.
whats-new-0-5-company-two-factor = La page de double authentification de la société s’adresse à son gestionnaire de sécurité : chaque identifiant a son propre « Exiger » et, s’il a des méthodes, « Réinitialiser les méthodes » ; l’obligation pour tous et celle pour les détenteurs d’un droit ont chacune leur formulaire.
whats-new-0-5-accessibility = La déclaration d’accessibilité dit vrai : « non conforme » tant qu’aucun audit n’est fait, les défauts connus, comment et quand Espace a été évalué, et comment nous joindre.
whats-new-0-5-password = Modifier son mot de passe : toutes les erreurs sont signalées en une fois (un mot de passe actuel erroné et les règles que le nouveau ne respecte pas), chaque règle une seule fois, en liste au niveau du champ ; le niveau est affiché après l’envoi, même sans JavaScript ; « Afficher le mot de passe » comme à la connexion ; et une page de confirmation, avec le chemin du retour vers Mon compte.
whats-new-0-5-security-methods = Ma sécurité : chaque méthode à ajouter a sa propre carte, avec un titre, ce qu’elle est et un bouton ; les codes par courriel et par SMS indiquent où ils partent, masqués ; les numéros de téléphone sont écrits comme on les écrit (+33 6 12 34 56 78) ; « Activée » et « Non activée » s’affichent avec une icône ; votre seule méthode, tant que la double authentification est exigée, explique pourquoi elle ne peut pas être supprimée ; une clé d’accès laissée sans nom prend celui de votre navigateur et de votre système.
whats-new-0-4-title = Version 0.4
whats-new-0-4-date = Novembre 2026
whats-new-0-4-companion = L’application compagnon : liez votre téléphone depuis Ma sécurité, puis approuvez-y vos connexions et confirmations, avec votre empreinte, votre visage ou votre code, en choisissant le nombre affiché sur votre écran. « Ce n’était pas moi » arrête la tentative et vous prévient.
problem-already-linked = FranceConnect+ est déjà lié à cet identifiant.
problem-provider-unavailable = FranceConnect+ est injoignable pour le moment. Réessayez dans quelques minutes ou utilisez une autre méthode.
whats-new-0-4-franceconnect = FranceConnect+ : liez-le depuis Ma sécurité, puis connectez-vous avec sans mot de passe, utilisez-le pour confirmer les actions sensibles, et prouvez vous-même votre identité quand votre adresse électronique enregistrée n’est plus à jour.
whats-new-0-5-signout = Se déconnecter d’Espace sur votre téléphone ne délie plus l’application compagnon et ne fait plus de votre prochaine connexion depuis ce navigateur « un nouvel appareil ». Le nombre à choisir s’affiche en grand, et la deuxième étape vous dit quand votre téléphone n’a pas été vu depuis longtemps.
whats-new-0-5-language = Choisissez la langue de vos courriels et SMS dans Mon compte. La langue choisie sur la page de connexion est conservée une fois connecté et devient votre préférence.
whats-new-0-5-staff-protection = Ceux qui agissent sur la sécurité des autres sont protégés eux aussi : le personnel du fournisseur est invité à configurer la double authentification (à la connexion jusqu’à une date limite, puis c’est obligatoire), et un gestionnaire de sécurité dont l’identifiant n’a aucune seconde méthode en est averti sur le tableau de bord et sur la page de double authentification de la société.
whats-new-0-5-control-characters = Un champ de formulaire contenant un caractère de contrôle invisible (collé par erreur, par exemple) est désormais signalé comme une erreur sur ce champ, à corriger avant de renvoyer le formulaire.
whats-new-0-5-limits = Les codes par courriel et par SMS, et les demandes à votre téléphone, ont des limites claires : quand l’une est atteinte, la page indique dans combien de minutes réessayer. Les demandes approuvées et les codes utilisés ne comptent pas. Les codes par SMS partent vers les mobiles de France et de l’Union européenne.
new-window = (nouvelle fenêtre)
date-long = { $day ->
    [1] 1er
   *[other] { $day }
} { $month } { $year }
datetime-long = { $date } à { $time }
date-month-1 = janvier
date-month-2 = février
date-month-3 = mars
date-month-4 = avril
date-month-5 = mai
date-month-6 = juin
date-month-7 = juillet
date-month-8 = août
date-month-9 = septembre
date-month-10 = octobre
date-month-11 = novembre
date-month-12 = décembre
whats-new-0-5-signin-page = La page de connexion : « Mot de passe oublié ? » se trouve juste sous le mot de passe, le bouton FranceConnect+ suit la charte de FranceConnect, et un identifiant bloqué se voit proposer la sortie (un nouveau mot de passe, ou le déblocage par le gestionnaire de sécurité ou le support) au lieu d’un formulaire qui ne vérifie rien.
whats-new-0-5-formats = Les dates sont écrites en toutes lettres dans votre langue, les numéros de téléphone sont groupés pour la lecture (+33 6 12 34 56 78), les adresses électroniques longues passent à la ligne après l’@ et aux points, les textes français suivent la typographie française avec un seul terme par idée, et les étiquettes d’état ont la couleur de leur sens : ce qui vous attend en orange.
problem-other-browser = Prouvez votre identité depuis le navigateur où vous avez rempli la demande : lui seul le peut. Sinon, le support vérifiera votre identité.
whats-new-0-5-activity = Votre activité de sécurité affiche 25 événements par page, avec des liens vers les plus anciens et les plus récents ; filtrez-la par type d’événement et par période, même sans JavaScript. Un code erroné n’y compte plus que pour un événement, et non deux ; chaque action du support ou de votre société indique le rôle de qui l’a faite, et chaque ligne porte une référence que le support peut retrouver.
whats-new-0-5-second-step = La deuxième étape de la connexion ne ressemble plus à une session ouverte : ni menu ni « Rester connecté » avant qu’elle soit franchie. Elle indique où un code a été envoyé (adresse ou numéro masqués), et après un code erroné son bouton devient « Envoyer un nouveau code ».
