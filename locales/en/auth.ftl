# Espace, English: signing in, sessions and devices. Keys are shared with fr/auth.ftl.

session-idle-notice = For your security, you are signed out after { $minutes } minutes without activity.
session-stay = Stay signed in
session-warning-title = Your session is about to end
session-warning-text = You will be signed out at { $time } unless you stay signed in.
session-warning-absolute = For your security you will be signed out at { $time }; this cannot be extended. Save your work.
session-extended = Your session has been extended.
session-ended = Your session has ended. Sign in again to continue.
login-title = Sign in
login-intro = Sign in to manage your account, contracts, invoices and requests.
login-identifier = Login
login-identifier-hint = The login you received, for example alice.martin. Not case-sensitive.
login-password = Password
login-show-password = Show password
login-hide-password = Hide password
login-submit = Sign in
login-missing-identifier = Enter your login.
login-missing-password = Enter your password.
login-wrong = The login or the password is incorrect.
login-remaining = { $remaining ->
    [one] You have 1 more try before your login is locked for { $minutes } minutes.
   *[other] You have { $remaining } more tries before your login is locked for { $minutes } minutes.
}
login-repeated = You entered the same wrong password again, so it was not counted twice. This often happens when the browser fills in an old saved password: delete the saved password for this site in your browser and type your password yourself.
login-locked = Your login is temporarily locked after too many wrong passwords. It unlocks by itself at { $time } (in { $minutes } min).
login-locked-help = Until then no password is checked, even a correct one, so the password form is not shown. Choosing a new password lifts the lock at once.
login-locked-reset = Choose a new password
login-locked-unlock = Your company’s security manager, or the provider’s support, can also see why your login is locked and unlock it.
login-locked-other = Sign in with another login
login-throttled = Too many failed sign-ins came from your network. Sign-in is paused for it until { $time } (in { $minutes } min).
login-throttled-help = Nothing was checked meanwhile. If you share this network with many people, try again after that time.
login-busy = Too many sign-ins are being processed right now. Wait a few seconds and try again.
login-notice-signed-out = You are signed out.
login-notice-expired = Your session has ended after a period without activity. Sign in again to continue.

sessions-title = Signed-in devices
sessions-intro = The browsers and devices where your login is signed in. If you do not recognise one, sign it out and change your password.
sessions-device = Device
sessions-address = Network address
sessions-signed-in = Signed in
sessions-last-seen = Last activity
sessions-actions = Action
sessions-this-device = This device
sessions-sign-out = Sign out
sessions-sign-out-others = Sign out all other devices
sessions-none-other = No other device is signed in.
sessions-place-note = The address is the network address Espace saw; where it is located is approximate.
sessions-notice-revoked = The device has been signed out.
sessions-notice-others-revoked = { $count ->
    [one] 1 other device has been signed out.
   *[other] { $count } other devices have been signed out.
}
device-format = { $browser } on { $os }
device-unknown = Unknown browser
device-unknown-os = an unknown system
login-notice-password-set = Your password is set. Sign in with your login and this password.

not-me-title = Sign-in you do not recognise
not-me-text = The device named in the e-mail will be signed out at once. Then change your password: whoever signed in knows it.
not-me-button = Sign this device out
not-me-done-title = The device has been signed out
not-me-done-signed-out = The device you did not recognise has been signed out.
not-me-done-already = That device was already signed out.
not-me-done-next = Now change your password, and check your security activity.
login-notice-password-reset = Your new password is saved and every device was signed out. Sign in with it.
login-passkey-text = Or, if you set up a passkey:
login-passkey = Sign in with a passkey
