/**
 * English: the reference catalogue of the hosted pages. It defines the keys; every other language
 * must define exactly the same ones (`satisfies Catalogue` in its file, so a missing key fails `tsc`).
 * `{name}` is a placeholder filled by the page; translations keep the same placeholders
 * (tests/unit/i18n-catalogues.test.ts). Keys ending in `.one` / `.other` are plural forms.
 */
export const en = {
  // Shared words
  'common.email': 'Email',
  'common.password': 'Password',
  'common.signIn': 'Sign in',
  'common.signOut': 'Sign out',
  'common.createAccount': 'Create an account',
  'common.yourAccount': 'Your account',
  'common.continueTo': 'to continue to {client}',
  'common.formExpired': 'This form expired. Please try again.',

  // Landing page
  'home.title': 'Welcome',
  'home.signedInAs': 'Signed in as {email}.',
  'home.intro': 'This server signs you in to the applications that use it, and keeps your account, sessions and two-step verification in one place.',
  'home.developers': 'Building an application? The {reference} describes every endpoint, with OAuth 2 and OpenID Connect discovery at {discovery}.',
  'home.apiReference': 'API reference',

  // Sign-in page
  'login.signedInAs': 'You are signed in as {email}.',
  'login.newHere': 'New here? {link}',
  'login.verified': 'Your email is verified. You can sign in now.',
  'login.signedOut': 'You are signed out.',
  'login.verify.invalidToken': 'That verification link is not valid. Sign in to request a new one.',
  'login.verify.expiredToken': 'That verification link has expired. Sign in to request a new one.',
  'login.verify.invalidLink': 'That verification link is incomplete. Open the link from the email again.',
  'login.requestExpired': 'Your sign-in request has expired. Return to the application and start again.',
  'login.missing': 'Enter your email and password.',
  'login.incorrect': 'Email or password is incorrect.',
  'login.tooMany': 'Too many attempts. Wait a few minutes and try again.',
  'login.noPassword': 'This account cannot sign in with a password here.',

  // Second factor
  'mfa.title': 'Two-step verification',
  'mfa.intro': 'Enter the code from your authenticator app, or a backup code.',
  'mfa.code': 'Verification code',
  'mfa.submit': 'Verify',
  'mfa.signInAgain': 'Sign in again.',
  'mfa.enterCode': 'Enter the verification code.',
  'mfa.expired': 'Your sign-in expired. Sign in again.',
  'mfa.tooMany': 'Too many attempts. Wait a minute and try again.',
  'mfa.wrongCode': 'That code is not correct.',

  // Account creation
  'register.fullName': 'Full name',
  'register.passwordHint': 'At least 8 characters.',
  'register.submit': 'Create account',
  'register.haveAccount': 'Already have an account? {link}',
  'register.invalidEmail': 'Enter a valid email address.',
  'register.shortPassword': 'Choose a password of at least 8 characters.',
  'register.refused': 'An account cannot be created with these details. If you already have one, sign in instead.',
  'register.tooMany': 'Too many accounts were created from here. Try again later.',
  'register.checkDetails': 'Check your details and try again.',

  // Consent (and the device confirmation, which shares its form)
  'consent.title': 'Allow access',
  'consent.heading': '{client} wants to access your account',
  'approval.signedInAs': 'Signed in as {email}',
  'approval.willBeAbleTo': '{client} will be able to:',
  'approval.approve': 'Approve',
  'approval.deny': 'Deny',
  'scope.openid': 'Confirm who you are',
  'scope.profile': 'See your name and username',
  'scope.email': 'See your email address',
  'scope.offline_access': 'Stay signed in (refresh tokens)',
  'scope.offline': 'Stay signed in (refresh tokens)',
  'scope.app': 'Act on your account for you: API keys, two-step verification and sign-in settings',

  // Organization chooser
  'org.title': 'Choose an organization',
  'org.intro': 'Your account belongs to several organizations. Choose the one to use with {client}.',
  'org.invalid': 'Choose one of your organizations.',

  // Device verification
  'device.title': 'Connect a device',
  'device.intro': 'Enter the code shown on your device.',
  'device.code': 'Code',
  'device.continue': 'Continue',
  'device.confirmHeading': 'Connect {client}?',
  'device.checkCode': 'Check that this code matches the one on your device:',
  'device.connectedTitle': 'Device connected',
  'device.connected': '{client} is now signed in. You can return to your device.',
  'device.deniedTitle': 'Request denied',
  'device.denied': '{client} was not given access. You can close this page.',
  'device.unnamed': 'The device',
  'device.enterCode': 'Enter the code shown on your device.',
  'device.tooMany': 'Too many codes tried. Wait a few minutes and try again.',
  'device.notValid': 'That code is not valid, has expired or was already used.',

  // Account page
  'account.name': 'Name',
  'account.mfaHeading': 'Two-step verification',
  'account.authenticatorApp': 'Authenticator app: {status}',
  'account.on': 'On',
  'account.off': 'Off',
  'account.backupCodesLeft.one': '{count} backup code left',
  'account.backupCodesLeft.other': '{count} backup codes left',
  'account.mfaSetup': 'Two-step verification is set up through the {api}.',
  'account.mfaApi': 'MFA API',
  'account.sessionsHeading': 'Sessions',
  'account.sessionsIntro': 'Where your account is signed in. Ending a session signs that browser or app out at once.',
  'account.browserSession': 'Browser session',
  'account.appSession': 'App session',
  'account.thisSession': 'This session',
  'account.unknownDevice': 'Unknown device',
  'account.sessionTimes': 'Signed in {created} · Last active {seen}',
  'account.sessionTimesFrom': 'Signed in {created} · Last active {seen} · from {ip}',
  'account.endSession': 'End session',
  'account.more': 'And {count} more, used less recently.',
  'account.endOthers': 'End all other sessions',
  'account.ended.session': 'The session was ended.',
  'account.ended.others': 'All other sessions were ended.',
  'account.refused.missing': 'Choose a session to end.',
  'account.refused.current': 'This is the session you are using. Sign out to end it.',
  'account.refused.unknown': 'That session has already ended.',

  // Sign-out
  'logout.heading': 'Sign out?',
  'logout.question': 'Do you want to sign out?',
  'logout.questionAs': 'Do you want to sign out ({email})?',
  'logout.questionFrom': 'Do you want to sign out from {client}?',
  'logout.questionFromAs': 'Do you want to sign out from {client} ({email})?',
  'logout.doneTitle': 'Signed out',
  'logout.done': 'You are signed out.',
  'logout.signInAgain': 'Sign in again',

  // Error pages: a title and a message each
  'error.startAgain': 'Return to the application and start again.',
  'error.unknownClient.title': 'Unknown application',
  'error.unknownClient.message': 'The application that sent you here is not registered with this server.',
  'error.invalidRedirect.title': 'Invalid redirect address',
  'error.invalidRedirect.message': 'The application asked to send you back to an address it has not registered.',
  'error.requestCompleted.title': 'Request already completed',
  'error.requestCompleted.message': 'This sign-in request has already been used. Start again from the application.',
  'error.requestExpired.title': 'Request expired',
  'error.requestExpired.message': 'This request from the application has expired or was already answered.',
  'error.signInExpired.title': 'Sign-in request expired',
  'error.signInExpired.message': 'You are signed in, but the request from the application has expired.',
  'error.formExpired.title': 'Form expired',
  'error.formExpired.message': 'This form expired. Go back, reload the page and try again.',
  'error.logoutForeignToken.title': 'Cannot sign out here',
  'error.logoutForeignToken.message': 'The sign-out request carries an ID token this server did not issue.',
  'error.logoutOtherAudience.title': 'Cannot sign out here',
  'error.logoutOtherAudience.message': 'The ID token was issued to another application.',
  'error.logoutUnknownClient.title': 'Cannot sign out here',
  'error.logoutUnknownClient.message': 'The application that sent you here is not registered with this server.',
  'error.logoutUnregisteredUri.title': 'Cannot sign out here',
  'error.logoutUnregisteredUri.message': 'The application asked to send you to an address it has not registered for sign-out.',
};

/** A language's catalogue: every English key, each a non-empty string (the unit test checks that). */
export type Catalogue = { readonly [K in keyof typeof en]: string };
export type MessageKey = keyof Catalogue;
