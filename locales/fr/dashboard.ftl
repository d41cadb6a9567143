# Espace, French: the dashboard, its contracts and the back-office home. Keys are shared with en/dashboard.ftl.

dashboard-title = Tableau de bord
dashboard-hello = Bonjour { $name }
dashboard-company = Société : { $company }
dashboard-contracts = Mes contrats
dashboard-no-contracts = Aucun contrat n’est visible avec vos droits pour l’instant.
dashboard-staff = Personnel du fournisseur
unprotected-title = Votre propre identifiant n’est pas protégé
unprotected-text = Vous pouvez débloquer, réinitialiser ou imposer la double authentification pour d’autres identifiants, mais le vôtre n’a aucune seconde méthode : quiconque connaît votre mot de passe pourrait agir à votre place. Ajoutez une méthode dans Ma sécurité.
unprotected-link = Protéger mon identifiant dans Ma sécurité
dashboard-staff-roles = Vos rôles : { $roles }
dashboard-tools = Vos outils
tool-logins-text = Trouver l’identifiant d’un client, voir pourquoi il est bloqué et le débloquer.
tool-recovery-text = Vérifier l’identité des personnes qui ont perdu l’accès à leur identifiant, et les aider à le retrouver.
tool-messages-text = Lire les messages des sociétés que vous suivez et y répondre.
contract-reference = Référence
contract-offer = Offre
contract-status = Statut
contract-commitment = Fin d’engagement
contract-status-active = Actif
contract-status-suspended = Suspendu
contract-status-terminated = Résilié
contract-no-commitment = Sans engagement

tool-events-text = Retrouver un événement de l’activité de sécurité d’une personne par la référence qu’elle vous lit.
