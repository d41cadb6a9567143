# Espace, French: FranceConnect+. Keys are shared with en/franceconnect.ftl.

franceconnect-button = S’identifier avec FranceConnect+
franceconnect-button-pre = S’identifier avec
franceconnect-login-title = Se connecter avec FranceConnect+
franceconnect-login-text = Si vous avez lié FranceConnect+ à votre identifiant, vous pouvez vous connecter avec, sans mot de passe.
franceconnect-what = Qu’est-ce que FranceConnect+ ?
franceconnect-title = FranceConnect+
franceconnect-back = Revenir
franceconnect-problem-cancelled = Vous avez annulé sur FranceConnect+. Rien n’a été modifié.
franceconnect-problem-expired = Cette demande FranceConnect+ n’est plus valable : elle a expiré, a déjà servi ou a été commencée dans un autre navigateur. Recommencez depuis Espace.
franceconnect-problem-unavailable = FranceConnect+ est injoignable pour le moment. Réessayez dans quelques minutes ou utilisez une autre méthode.
franceconnect-problem-refused = La réponse de FranceConnect+ n’a pas pu être vérifiée : elle est refusée pour votre sécurité. Rien n’a été modifié. Réessayez ; si cela se reproduit, contactez le support.
franceconnect-problem-not-linked = Cette identité FranceConnect+ n’est liée à aucun identifiant.
franceconnect-not-linked-how = Connectez-vous avec votre identifiant et votre mot de passe, puis liez FranceConnect+ depuis Ma sécurité.
franceconnect-problem-other-identity = Ce n’est pas l’identité FranceConnect+ liée à votre identifiant. La tentative compte comme un échec.
franceconnect-problem-taken = Cette identité FranceConnect+ est déjà liée à un autre identifiant. Retirez-la d’abord de celui-ci.
franceconnect-recovery-title = Prouver votre identité avec FranceConnect+
franceconnect-recovery-text = Si vous avez lié FranceConnect+ à votre identifiant, inutile d’attendre le support : prouvez votre identité avec, et nous envoyons aussitôt le code à votre nouvelle adresse.
franceconnect-problem-locked = Trop de seconds facteurs erronés ont été essayés sur cet identifiant : il est bloqué pour un moment. Réessayez plus tard.
franceconnect-problem-already-linked = FranceConnect+ est déjà lié à cet identifiant. Rien n’a été modifié.
