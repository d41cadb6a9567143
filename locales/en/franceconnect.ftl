# Espace, English: FranceConnect+. Keys are shared with fr/franceconnect.ftl.

franceconnect-button = Sign in with FranceConnect+
franceconnect-button-pre = Sign in with
franceconnect-login-title = Sign in with FranceConnect+
franceconnect-login-text = If you have linked FranceConnect+ to your login, you can sign in with it, without your password.
franceconnect-what = What is FranceConnect+? (in French)
franceconnect-title = FranceConnect+
franceconnect-back = Go back
franceconnect-problem-cancelled = You cancelled at FranceConnect+. Nothing was changed.
franceconnect-problem-expired = This FranceConnect+ request is no longer valid: it expired, was already used or was started in another browser. Start again from Espace.
franceconnect-problem-unavailable = FranceConnect+ cannot be reached right now. Try again in a few minutes, or use another method.
franceconnect-problem-refused = FranceConnect+’s answer could not be verified, so it was refused for your safety. Nothing was changed. Try again; if it happens again, contact support.
franceconnect-problem-not-linked = This FranceConnect+ identity is not linked to any login.
franceconnect-not-linked-how = Sign in with your login and password, then link FranceConnect+ from My security.
franceconnect-problem-other-identity = This is not the FranceConnect+ identity linked to your login. The attempt counts as a failed one.
franceconnect-problem-taken = This FranceConnect+ identity is already linked to another login. Remove it there first.
franceconnect-recovery-title = Prove your identity with FranceConnect+
franceconnect-recovery-text = If you linked FranceConnect+ to your login, you do not have to wait for support: prove your identity with it, and we send the code to your new address at once.
franceconnect-problem-locked = Too many wrong second factors were tried on this login: it is locked for a while. Try again later.
franceconnect-problem-already-linked = FranceConnect+ is already linked to this login. Nothing was changed.
