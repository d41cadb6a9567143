# Espace, English: the dashboard, its contracts and the back-office home. Keys are shared with fr/dashboard.ftl.

dashboard-title = Dashboard
dashboard-hello = Hello { $name }
dashboard-company = Company: { $company }
dashboard-contracts = My contracts
dashboard-no-contracts = No contract is visible with your rights yet.
dashboard-staff = Provider staff
unprotected-title = Your own login is not protected
unprotected-text = You can unlock, reset or require two-factor authentication for other logins, but yours has no second method: anyone who knows your password could act as you. Add a method in My security.
unprotected-link = Protect my login in My security
dashboard-staff-roles = Your roles: { $roles }
dashboard-tools = Your tools
tool-logins-text = Find a customer’s login, see why it is locked and unlock it.
tool-recovery-text = Check the identity of people who lost access to their login, and help them get it back.
tool-messages-text = Read and answer the messages of the companies you look after.
contract-reference = Reference
contract-offer = Offer
contract-status = Status
contract-commitment = Commitment ends
contract-status-active = Active
contract-status-suspended = Suspended
contract-status-terminated = Terminated
contract-no-commitment = No commitment

tool-events-text = Find an event of a person’s security activity by the reference they read you.
