## E-mails and SMS (espace-notify). Plain sentences: the layout adds the rest.

email-hello = Hello,
email-footer = This message was sent by { $brand } about your login. We never ask for your password or a code by e-mail or phone.
email-help-line = Help centre: { $url }
email-help = Help centre
email-undo-action = Undo this change
email-undo-until = This link works once, until { $time }. If you made this change, you need do nothing.

email-verification-code-subject = { $brand }: your verification code
email-verification-code-intro = Here is the code to type in your customer space to confirm this address:
email-verification-code-validity = It is valid for { $minutes } minutes and can be used once.
email-verification-code-never-share = Never give it to anyone, even someone claiming to be from { $brand }. If you did not ask for it, ignore this message: nothing changes.
sms-verification-code = { $brand }: your code is { $code }. Valid { $minutes } min. Never share it.

email-password-changed-subject = { $brand }: your password was changed
email-password-changed-intro = The password of the login { $identifier } was changed on { $time } from { $device } (address { $ip }). Every other device was signed out.
email-password-changed-not-you = If this was not you, contact support at once: someone may have access to your login.

email-email-changed-subject = { $brand }: your e-mail address was changed
email-email-changed-intro = The e-mail address of the login { $identifier } was changed to { $address }. We are writing to the previous address so that you can undo the change if you did not make it.

email-phone-changed-subject = { $brand }: your phone number was changed
email-phone-changed-intro = The phone number of the login { $identifier } was changed to { $phone }.
email-phone-removed-intro = The phone number of the login { $identifier } was removed.

email-new-device-subject = { $brand }: new sign-in to your login
email-new-device-intro = Someone signed in to the login { $identifier } on { $time } from a device not used before: { $device } (address { $ip }).
email-new-device-if-you = If this was you, you need do nothing. If not, use the button below: that device is signed out at once, then change your password.
email-new-device-action = This was not me

email-manager-message-subject = { $brand }: new message from a customer
email-manager-message-intro = { $name } ({ $company }) wrote to you:
email-manager-message-action = Answer in the back office

email-manager-reply-subject = { $brand }: your web account manager answered
email-manager-reply-intro = { $name }, your web account manager, answered your message:
email-manager-reply-action = See the conversation

email-invitation-subject = { $brand }: you are invited to the customer space
email-invitation-intro = { $name } invites you to manage the services of { $company } in the { $brand } customer space.
email-invitation-identifier = Your login identifier is { $identifier }. Choose your password with the button below.
email-invitation-action = Choose my password
email-invitation-until = This link works once, until { $time }.

email-password-reset-subject = { $brand }: choose a new password
email-password-reset-intro = Someone asked to choose a new password for the login { $identifier }. If it was you, use the button below.
email-password-reset-action = Choose a new password
email-password-reset-until = This link works once, until { $time }. Asking again makes it void.
email-password-reset-not-you = If you did not ask, ignore this message: your password does not change.

email-login-reminder-subject = { $brand }: your logins
email-login-reminder-intro = { $count ->
    [one] This address is tied to this login:
   *[other] This address is tied to these logins:
}
email-login-reminder-action = Sign in
email-login-reminder-not-you = If you did not ask, ignore this message.

email-unlocked-subject = { $brand }: your login was unlocked
email-unlocked-intro = The temporary lock of the login { $identifier } was lifted by { $name }. You can sign in again.
email-unlocked-not-you = If you did not ask for it, contact your security manager or support: the wrong passwords were perhaps typed by someone else.

email-recovery-case-opened-subject = { $brand }: we received your request for help
email-recovery-case-opened-intro = We received your request to get back into your account. Its reference is { $reference }.
email-recovery-case-opened-next = A support agent will check your identity, usually by calling you back. Nothing changes on your account until then. When they are done, a code will come to this address: type it on the page of your request.
email-recovery-case-action = Follow my request
email-recovery-case-opened-not-you = If you did not ask for help, ignore this message: nothing will change.

email-recovery-case-rejected-subject = { $brand }: your request for help was closed
email-recovery-case-rejected-intro = Support could not verify your identity, so your request { $reference } was closed and nothing changed on any account. You can make a new request with more details on how to reach you, or ask your company’s security manager for help.

email-address-linked-subject = { $brand }: a new e-mail address was linked to your login
email-address-linked-intro = At your request, support verified your identity and linked the address { $email } to the login { $identifier }. Messages about this login now go to that address.
email-address-linked-not-you = If you did not ask for this, contact support at once: someone may be trying to take over your account.

email-method-added-subject = { $brand }: a two-factor method was added
email-method-added-intro = The method “{ $method }” was added to the login { $identifier } on { $time }.
email-method-added-not-you = If you did not add it, change your password and contact your security manager or support at once.
email-method-removed-subject = { $brand }: a two-factor method was removed
email-method-removed-intro = The method “{ $method }” was removed from the login { $identifier } on { $time }.
email-method-removed-not-you = If you did not remove it, change your password and contact your security manager or support at once.

email-strong-auth-on-subject = { $brand }: two-factor authentication is now required
email-strong-auth-on-intro = { $name } turned on two-factor authentication for the login { $identifier }. From now on, signing in asks for a second factor after the password: a code from an authenticator app, a passkey, or a code by e-mail or SMS.
email-strong-auth-on-now = If you have no method yet, your next sign-in leads you straight to setting one up.
email-strong-auth-on-deadline = If you have no method yet, set one up in My security before { $time }; after that, signing in goes no further than setting it up.
email-strong-auth-off-subject = { $brand }: two-factor authentication is no longer required
email-strong-auth-off-intro = { $name } turned off the requirement of two-factor authentication for the login { $identifier }. Your methods stay, and still serve to confirm sensitive actions.
email-strong-auth-requested-subject = { $brand }: a person asks for two-factor authentication
email-strong-auth-requested-intro = { $name } (login { $identifier }) asks you to turn on two-factor authentication for their login.
email-strong-auth-requested-action = Review two-factor authentication
email-recovery-codes-generated-subject = { $brand }: new recovery codes
email-recovery-codes-generated-intro = New recovery codes were generated for the login { $identifier } on { $time }. The earlier ones no longer work.
email-recovery-code-used-subject = { $brand }: a recovery code was used
email-recovery-code-used-intro = A recovery code was used to sign in to the login { $identifier } on { $time }. { $left ->
    [0] No recovery code is left: generate new ones in My security.
    [one] One recovery code is left.
   *[other] { $left } recovery codes are left.
}

email-factor-reset-requested-subject = { $brand }: your two-factor methods will be reset
email-factor-reset-requested-intro = { $name } asked to reset the two-factor methods of the login { $identifier }, because they were reported lost. On { $time }, every method and recovery code of this login will be removed, and your next sign-in will ask you to set up a new one.
email-factor-reset-requested-action = Cancel this reset
email-factor-reset-requested-not-you = If you did not ask for this, cancel it now with the button above and contact your security manager: someone may be trying to take over your login.
sms-factor-reset-requested = { $brand }: the two-factor methods of { $identifier } will be reset on { $time }. Not you? Cancel it from the e-mail we sent.
email-factor-reset-cancelled-subject = { $brand }: the two-factor reset was cancelled
email-factor-reset-cancelled-intro = The reset of the two-factor methods of the login { $identifier } was cancelled. Its methods stay as they are.
email-factor-reset-done-subject = { $brand }: your two-factor methods were reset
email-factor-reset-done-intro = The two-factor methods and recovery codes of the login { $identifier } were removed, as requested. Your next sign-in will ask you to set up a new method.
email-factor-reset-done-action = Sign in
email-factor-reset-done-not-you = If you did not ask for this reset, contact your security manager or support at once: someone may be setting up their own method on your login.

# Companion app (SPEC §4.6)
email-push-request-subject = { $brand }: a request waits on your companion app
push-request-text = { $purpose ->
    [step-up] { $brand }: confirm it is you for { $identifier }? Open the companion app and pick the number shown on your screen.
    [password-reset] { $brand }: approve the password reset of { $identifier }? Open the companion app and pick the number shown on your screen.
   *[other] { $brand }: approve the sign-in to { $identifier }? Open the companion app and pick the number shown on your screen.
}
email-push-refused-subject = { $brand }: a request was refused on your companion app
email-push-refused-intro = { $answer ->
    [reported] You said “This wasn’t me” on your companion app to a request for the login { $identifier }, made on { $time } from { $device } (address { $ip }). That attempt was stopped.
    [mismatch] A request for the login { $identifier }, made on { $time } from { $device } (address { $ip }), was refused on your companion app: the number chosen was not the one on the screen.
   *[other] A request for the login { $identifier }, made on { $time } from { $device } (address { $ip }), was denied on your companion app.
}
email-sms-breaker-tripped-subject = { $brand }: SMS sending paused (circuit breaker)
email-sms-breaker-tripped-intro = More than { $limit } SMS codes were asked for in { $minutes } minutes, across every login. No SMS code goes out until { $time }; people are asked to choose another method or to wait.
email-sms-breaker-tripped-next = Look at the audit trail (sms.breaker-tripped, code.send-throttled) and at the metric espace_sms_breaker_refused_total for where the requests came from. If the volume is legitimate, raise app.limits.sms_breaker.
email-push-refused-next = If you did not try to sign in, someone knows your password: change it now, and tell your security manager or support.
