// The admin page: "Paramètres › Gestion des utilisateurs". Every check and every permission comes
// from the policy core compiled to WebAssembly (the same code the Worker runs), so a field turns
// red with the very code and message the server would answer. Nothing user-supplied is ever
// written as HTML: the DOM is built with textContent.
import init, * as core from '/pkg/livechat_access.js';

const TEXT = {
  fr: {
    brand: 'Paramètres › Gestion des utilisateurs', signOut: 'Se déconnecter', loading: 'Chargement…',
    signInTitle: 'Connexion', email: 'Adresse e-mail', password: 'Mot de passe', signIn: 'Se connecter',
    usersTitle: 'Gestion des utilisateurs', invite: 'Inviter', addUser: 'Ajouter un utilisateur',
    editUser: 'Modifier l’utilisateur', inviteUsers: 'Inviter des utilisateurs', search: 'Rechercher',
    roleFilter: 'Filtrer par rôle', allRoles: 'Tous les rôles', role_agent: 'Conseiller', role_manager: 'Manager',
    role_admin: 'Administrateur', name: 'Nom', role: 'Rôle', modules: 'Modules', status: 'Statut', actions: 'Actions',
    more: 'Afficher plus', myAccount: 'Mon compte', acceptTitle: 'Activer votre compte',
    choosePassword: 'Choisissez un mot de passe', passwordHint: '12 caractères minimum ; une phrase est idéale.',
    passwordGood: 'Mot de passe solide', pseudonym: 'Pseudonyme (vu par les visiteurs)', activate: 'Activer mon compte',
    emails: 'Adresses e-mail (séparées par des virgules, espaces ou retours à la ligne)',
    moduleAccess: 'Accès aux modules', maxConversations: 'Livechat : conversations simultanées', unlimited: 'Illimité',
    maxNumber: 'Nombre maximal', languages: 'Livechat : langues acceptées', mainLanguage: 'Langue principale',
    channels: 'Canaux', questionnaires: 'Questionnaires / projets', timeZone: 'Fuseau horaire',
    noQuestionnaire: 'Aucun questionnaire au catalogue : un administrateur les ajoute dans Catalogue.',
    security: 'Sécurité', securityTitle: 'Sécurité du compte', back: 'Retour',
    passkeySignIn: 'Se connecter avec une clé d’accès', secondFactorTitle: 'Vérification en deux étapes',
    secondFactorWith: 'Avec', methodTotp: 'le code de mon application', methodRecovery: 'un code de secours',
    code: 'Code', verify: 'Vérifier', usePasskey: 'Utiliser ma clé d’accès',
    enrolRequired: 'Votre organisation demande un second facteur : configurez une application d’authentification ou une clé d’accès pour continuer.',
    totpTitle: 'Application d’authentification', totpStart: 'Configurer une application', totpRemove: 'Retirer l’application',
    totpScan: 'Scannez ce code avec votre application (ou saisissez la clé), puis entrez le code à six chiffres qu’elle affiche.',
    totpKey: 'Clé', totpOn: 'Configurée.', totpOff: 'Aucune application configurée.',
    passkeysTitle: 'Clés d’accès', passkeyName: 'Nom de la clé', passkeyNamePlaceholder: 'Ex. : ordinateur du bureau',
    passkeyAdd: 'Ajouter une clé d’accès', passkeyAdded: 'Clé d’accès ajoutée', rename: 'Renommer',
    passkeyUsed: 'utilisée le {date}', passkeyNever: 'jamais utilisée', passkeyFailed: 'La clé d’accès n’a pas abouti.',
    yourDomain: 'le nom de domaine de votre espace',
    passkeyNeedsName: 'Les clés d’accès ne fonctionnent pas sur une adresse IP ({host}) : le navigateur refuse une adresse IP comme site. Ouvrez la page par un nom, par exemple {suggestion}',
    recoveryTitle: 'Codes de secours', recoveryLeft: '{n} code(s) de secours restant(s).', recoveryNone: 'Ils arrivent avec votre premier facteur.',
    recoveryShownOnce: 'Gardez ces codes en lieu sûr : chacun sert une fois, ils ne seront plus affichés.', recoveryRenew: 'Nouveaux codes',
    policyTitle: 'Politique de l’organisation', policyLabel: 'Second facteur obligatoire pour', policySaved: 'Politique enregistrée',
    ssoTitle: 'Authentification unique', ssoSignInWith: 'Se connecter avec {name}', ssoOr: 'ou avec votre mot de passe',
    ssoRequiredNote: 'Cette organisation se connecte par authentification unique : le mot de passe est réservé à l’administrateur de secours.',
    ssoAcceptNote: 'Cette organisation se connecte par authentification unique : pas de mot de passe à choisir. Une fois le compte activé, connectez-vous avec son fournisseur d’identité.',
    ssoRedirect: 'Adresse de retour à déclarer chez le fournisseur', ssoNone: 'Aucun fournisseur configuré.', ssoAdd: 'Ajouter un fournisseur',
    ssoName: 'Nom affiché', ssoPreset: 'Type', ssoPresetGeneric: 'OpenID Connect (émetteur)', ssoPresetEntra: 'Microsoft Entra ID', ssoPresetOkta: 'Okta',
    ssoPresetGoogle: 'Google Workspace', ssoIssuer: 'Émetteur (issuer)', ssoTenantEntra: 'Locataire (ID ou domaine)', ssoTenantOkta: 'Domaine Okta (acme.okta.com)',
    ssoTenantGoogle: 'Domaine Google Workspace', ssoClientId: 'ID client', ssoClientSecret: 'Secret client', ssoSecretKept: 'laisser vide pour garder l’actuel',
    ssoEmailClaim: 'Revendication de l’adresse', ssoDomains: 'Domaines autorisés (séparés par des virgules)', ssoEnabled: 'Proposé à la connexion',
    ssoSave: 'Enregistrer', ssoCancel: 'Annuler', ssoEdit: 'Modifier', ssoRemove: 'Retirer', ssoConfirmRemove: 'Retirer {name} ? Les liens faits par ce fournisseur seront oubliés.',
    ssoRequired: 'Exiger l’authentification unique', ssoBreakGlass: 'Administrateur de secours (peut toujours utiliser son mot de passe)',
    ssoJit: 'Créer à la première connexion les personnes inconnues', ssoJitRole: 'avec le rôle', ssoPolicySave: 'Enregistrer la politique', ssoPolicySaved: 'Politique enregistrée',
    ssoDisabled: 'désactivé',
    policy_optional: 'personne (facultatif)', policy_admins: 'les administrateurs', policy_managers: 'les responsables et administrateurs',
    policy_everyone: 'tout le monde', resetFactors: 'Réinitialiser la double authentification',
    confirmResetFactors: 'Retirer les seconds facteurs de {email} ? Ses sessions prennent fin.', factorsReset: 'Seconds facteurs retirés : {email}',
    catalog: 'Catalogue', catalogTitle: 'Catalogue de l’organisation', backToUsers: 'Retour aux utilisateurs',
    catalogQuestionnaires: 'Questionnaires / projets', catId: 'Identifiant', catName: 'Nom', catLanguage: 'Langue',
    catNamePlaceholder: 'Nom affiché', catAdd: 'Ajouter', catLanguages: 'Langues proposées', anyLanguage: '— (celle du visiteur)',
    catModules: 'Modules supplémentaires (identifiants séparés par des virgules)', catLocale: 'Langue des messages de l’organisation',
    forgotLink: 'Mot de passe oublié ?', forgotIntro: 'Saisissez votre adresse : si un compte existe, vous recevrez un lien valable 30 minutes.',
    forgotSent: 'Si un compte existe pour cette adresse, un e-mail vient de partir.', forgotSend: 'Envoyer le lien',
    backToSignIn: 'Retour à la connexion', resetTitle: 'Nouveau mot de passe', resetSave: 'Enregistrer et me connecter',
    changePassword: 'Mot de passe', changePasswordTitle: 'Changer mon mot de passe', currentPassword: 'Mot de passe actuel',
    newPassword: 'Nouveau mot de passe', otherSessionsEnd: 'Vos autres sessions seront fermées.', passwordChanged: 'Mot de passe changé ; vos autres sessions sont fermées',
    resend: 'Renvoyer', resent: 'Invitation renvoyée à {email}', d_queued: 'e-mail en file', d_sending: 'e-mail en cours d’envoi',
    d_sent: 'e-mail envoyé', d_failed: 'échec de l’e-mail', d_none: '',
    teams: 'Équipes', teamsTitle: 'Équipes', teamsIntro: 'Une équipe donne ses questionnaires à ses membres : ils reçoivent aussi leurs conversations.',
    teamName: 'Équipe', teamMembers: 'Membres', teamNew: 'Nouvelle équipe', teamEdit: 'Modifier l’équipe', teamSaved: 'Équipe enregistrée : {name}',
    confirmRemoveTeam: 'Supprimer l’équipe « {name} » ? Ses membres gardent leurs propres questionnaires.',
    scim: 'SCIM', scimTitle: 'Provisionnement SCIM', scimIntro: 'Votre fournisseur d’identité (Entra ID, Okta…) crée, modifie et retire vos conseillers avec un jeton. Chaque jeton n’est affiché qu’une fois.',
    scimName: 'Nom du jeton', scimCreate: 'Créer un jeton', scimShownOnce: 'Copiez ce jeton maintenant : il ne sera plus affiché.',
    scimActivation: 'Envoyer l’e-mail d’activation aux personnes créées sans mot de passe',
    scimActivationHint: 'Décochée, les personnes créées sans mot de passe ne reçoivent rien : elles choisiront le leur plus tard avec « Mot de passe oublié ? ».',
    scimBase: 'Adresse SCIM', scimToken: 'Jeton', scimCreated: 'Créé le', scimLastUsed: 'Dernière utilisation', never: 'jamais',
    integrations: 'Intégrations', integrationsTitle: 'Intégrations',
    integrationsIntro: 'La fenêtre de chat de vos sites et vos serveurs de chat agissent dans votre organisation avec une clé, limitée aux portées choisies. Chaque clé n’est affichée qu’une fois.',
    keyName: 'Nom de la clé', keyCreate: 'Créer une clé', keyScopes: 'Portées', keyHint: 'Début de la clé',
    keyShownOnce: 'Copiez cette clé maintenant : elle ne sera plus affichée.', keyDeploymentSecret: 'secret du déploiement, à remplacer par une clé',
    confirmRevokeKey: 'Révoquer la clé « {name} » ? Les services qui l’utilisent seront refusés aussitôt.',
    webhooksTitle: 'Webhooks', hookUrl: 'Adresse (https://)', hookCreate: 'Ajouter un webhook', hookEvents: 'Événements',
    hookShownOnce: 'Copiez ce secret maintenant : il ne sera plus affiché. Vos serveurs vérifient chaque signature avec lui.',
    hookAll: 'Tous', hookLog: 'Journal', hookRotate: 'Nouveau secret', hookEndRotation: 'Retirer l’ancien secret',
    hookDisable: 'Désactiver', hookEnable: 'Réactiver', hookFailing: 'Désactivé : échecs répétés', hookRotating: 'deux secrets signent',
    hookEvent: 'Événement', hookAttempts: 'Tentatives', hookRedeliver: 'Relivrer', hookLogOf: 'Livraisons vers {url}',
    hookNoAttempt: 'en attente', 'delivery.pending': 'À livrer', 'delivery.delivered': 'Livré', 'delivery.failed': 'Abandonné',
    confirmRemoveHook: 'Supprimer le webhook {url} et son journal ?',
    'scope.conversations:open': 'Ouvrir des conversations (fenêtre de chat)', 'scope.people:read': 'Lire les personnes et leurs accès',
    'scope.conversations:read': 'Lire les conversations', 'scope.conversations:manage': 'Transférer et clore les conversations',
    'scope.identity:issue': 'Obtenir le jeton d’identité d’une personne',
    revoked: 'Révoqué', revokeSecret: 'Révoquer', confirmRevokeToken: 'Révoquer le jeton « {name} » ? Le fournisseur d’identité ne pourra plus s’en servir.',
    catalogSaved: 'Catalogue enregistré', heldBy: '« {value} » est encore attribué à :', kind_user: 'compte', kind_invitation: 'invitation',
    firstName: 'Prénom (interne)', lastName: 'Nom (interne)', avatarUrl: 'Avatar (adresse https://)',
    inviteResults: 'Résultat', cancel: 'Annuler', save: 'Enregistrer', send: 'Envoyer les invitations', close: 'Fermer',
    remove: 'Supprimer', edit: 'Modifier', revoke: 'Annuler l’invitation', copy: 'Copier le lien', copied: 'Lien copié',
    active: 'Actif', disabled: 'Désactivé', invitedUntil: 'Invité·e, expire le {date}',
    adminAllModules: 'Les administrateurs ont accès à tous les modules et à toutes les conversations.',
    confirmRemove: 'Supprimer {email} ? Cette action est définitive.', confirmRevoke: 'Annuler l’invitation de {email} ?',
    added: 'Utilisateur ajouté : {email}', saved: 'Modifications enregistrées', removed: 'Supprimé : {email}',
    invitedCount: '{n} invitation(s) envoyée(s)', valid: 'valide', st_invited: 'invité·e',
    st_already_member: 'a déjà un compte', st_already_invited: 'déjà invité·e', st_invalid: 'non valide',
    invitationFor: 'Invitation pour {email} — rôle : {role}. Expire le {date}.', welcome: 'Bienvenue !',
    noResults: 'Aucun utilisateur', ch_chat: 'Chat', ch_call: 'Appel', ch_video: 'Vidéo', ch_messaging: 'Messagerie',
    m_livechat: 'Livechat', m_statistics: 'Statistiques', m_history: 'Historique', m_users: 'Utilisateurs',
    m_settings: 'Paramètres', presence: 'Présence', switchTo: 'English',
    supervision: 'Supervision', supervisionTitle: 'Supervision en direct', agentsLive: 'Conseillers', name: 'Nom',
    load: 'Charge', queue: 'File d’attente', questionnaire: 'Questionnaire', language: 'Langue', waiting: 'En attente',
    feed: 'En direct', liveOn: 'En direct', liveOff: 'Reconnexion…', noWaiting: 'Personne n’attend',
    myConversations: 'Mes conversations', noConversation: 'Aucune conversation en cours', unlimited: 'illimité',
    p_online: 'En ligne', p_away: 'Absent', p_offline: 'Hors ligne',
    ev_conversationQueued: '{conversation} en attente ({questionnaire}, {language})',
    ev_conversationAssigned: '{conversation} → {agent}', ev_conversationTransferred: '{conversation} transférée de {from} à {to}',
    ev_conversationRequeued: '{conversation} remise en attente (était à {from})', ev_conversationClosed: '{conversation} terminée',
    ev_presenceChanged: '{agent} : {presence}',
  },
  en: {
    brand: 'Settings › User management', signOut: 'Sign out', loading: 'Loading…',
    signInTitle: 'Sign in', email: 'Email address', password: 'Password', signIn: 'Sign in',
    usersTitle: 'User management', invite: 'Invite', addUser: 'Add a user', editUser: 'Edit user',
    inviteUsers: 'Invite users', search: 'Search', roleFilter: 'Filter by role', allRoles: 'All roles',
    role_agent: 'Agent', role_manager: 'Manager', role_admin: 'Administrator', name: 'Name', role: 'Role',
    modules: 'Modules', status: 'Status', actions: 'Actions', more: 'Show more', myAccount: 'My account',
    acceptTitle: 'Activate your account', choosePassword: 'Choose a password',
    passwordHint: 'At least 12 characters; a passphrase is ideal.', passwordGood: 'Strong password',
    pseudonym: 'Pseudonym (shown to visitors)', activate: 'Activate my account',
    emails: 'Email addresses (separated by commas, spaces or new lines)', moduleAccess: 'Module access',
    maxConversations: 'Live chat: simultaneous conversations', unlimited: 'Unlimited', maxNumber: 'Maximum',
    languages: 'Live chat: accepted languages', mainLanguage: 'Main language', channels: 'Channels',
    questionnaires: 'Questionnaires / projects', timeZone: 'Time zone',
    noQuestionnaire: 'No questionnaire in the catalog yet: an administrator adds them under Catalog.',
    security: 'Security', securityTitle: 'Account security', back: 'Back',
    passkeySignIn: 'Sign in with a passkey', secondFactorTitle: 'Two-step verification',
    secondFactorWith: 'With', methodTotp: 'my app’s code', methodRecovery: 'a recovery code',
    code: 'Code', verify: 'Verify', usePasskey: 'Use my passkey',
    enrolRequired: 'Your organization requires a second factor: set up an authenticator app or a passkey to continue.',
    totpTitle: 'Authenticator app', totpStart: 'Set up an app', totpRemove: 'Remove the app',
    totpScan: 'Scan this code with your app (or type the key), then enter the six-digit code it shows.',
    totpKey: 'Key', totpOn: 'Set up.', totpOff: 'No app set up.',
    passkeysTitle: 'Passkeys', passkeyName: 'Passkey name', passkeyNamePlaceholder: 'E.g. office laptop',
    passkeyAdd: 'Add a passkey', passkeyAdded: 'Passkey added', rename: 'Rename',
    passkeyUsed: 'used {date}', passkeyNever: 'never used', passkeyFailed: 'The passkey did not go through.',
    yourDomain: 'your space\'s domain name',
    passkeyNeedsName: 'Passkeys do not work on an IP address ({host}): browsers refuse an IP address as the site. Open the page by a name, for instance {suggestion}',
    recoveryTitle: 'Recovery codes', recoveryLeft: '{n} recovery code(s) left.', recoveryNone: 'They come with your first factor.',
    recoveryShownOnce: 'Keep these codes somewhere safe: each works once, they will not be shown again.', recoveryRenew: 'New codes',
    policyTitle: 'Organization policy', policyLabel: 'Second factor required for', policySaved: 'Policy saved',
    ssoTitle: 'Single sign-on', ssoSignInWith: 'Sign in with {name}', ssoOr: 'or with your password',
    ssoRequiredNote: 'This organization signs in with single sign-on: the password is for the break-glass admin only.',
    ssoAcceptNote: 'This organization signs in with single sign-on: no password to choose. Once your account is active, sign in with its identity provider.',
    ssoRedirect: 'Redirect URI to register at the provider', ssoNone: 'No provider configured.', ssoAdd: 'Add a provider',
    ssoName: 'Name shown', ssoPreset: 'Type', ssoPresetGeneric: 'OpenID Connect (issuer)', ssoPresetEntra: 'Microsoft Entra ID', ssoPresetOkta: 'Okta',
    ssoPresetGoogle: 'Google Workspace', ssoIssuer: 'Issuer', ssoTenantEntra: 'Tenant (ID or domain)', ssoTenantOkta: 'Okta domain (acme.okta.com)',
    ssoTenantGoogle: 'Google Workspace domain', ssoClientId: 'Client ID', ssoClientSecret: 'Client secret', ssoSecretKept: 'leave empty to keep the current one',
    ssoEmailClaim: 'Address claim', ssoDomains: 'Allowed domains (comma-separated)', ssoEnabled: 'Offered at sign-in',
    ssoSave: 'Save', ssoCancel: 'Cancel', ssoEdit: 'Edit', ssoRemove: 'Remove', ssoConfirmRemove: 'Remove {name}? The links made through this provider will be forgotten.',
    ssoRequired: 'Require single sign-on', ssoBreakGlass: 'Break-glass admin (may still use their password)',
    ssoJit: 'Create unknown people at their first sign-in', ssoJitRole: 'with the role', ssoPolicySave: 'Save the policy', ssoPolicySaved: 'Policy saved',
    ssoDisabled: 'disabled',
    policy_optional: 'nobody (optional)', policy_admins: 'administrators', policy_managers: 'managers and administrators',
    policy_everyone: 'everyone', resetFactors: 'Reset two-step verification',
    confirmResetFactors: 'Remove the second factors of {email}? Their sessions end.', factorsReset: 'Second factors removed: {email}',
    catalog: 'Catalog', catalogTitle: 'Organization catalog', backToUsers: 'Back to users',
    catalogQuestionnaires: 'Questionnaires / projects', catId: 'Id', catName: 'Name', catLanguage: 'Language',
    catNamePlaceholder: 'Display name', catAdd: 'Add', catLanguages: 'Languages offered', anyLanguage: '— (the visitor’s)',
    catModules: 'Extra modules (ids separated by commas)', catLocale: 'Language of the organization’s messages',
    forgotLink: 'Forgot your password?', forgotIntro: 'Enter your address: if an account exists, you will get a link valid for 30 minutes.',
    forgotSent: 'If an account exists for this address, an email is on its way.', forgotSend: 'Send the link',
    backToSignIn: 'Back to sign in', resetTitle: 'New password', resetSave: 'Save and sign in',
    changePassword: 'Password', changePasswordTitle: 'Change my password', currentPassword: 'Current password',
    newPassword: 'New password', otherSessionsEnd: 'Your other sessions will end.', passwordChanged: 'Password changed; your other sessions have ended',
    resend: 'Resend', resent: 'Invitation sent again to {email}', d_queued: 'email queued', d_sending: 'email being sent',
    d_sent: 'email sent', d_failed: 'email failed', d_none: '',
    teams: 'Teams', teamsTitle: 'Teams', teamsIntro: 'A team gives its questionnaires to its members: they also get their conversations.',
    teamName: 'Team', teamMembers: 'Members', teamNew: 'New team', teamEdit: 'Edit team', teamSaved: 'Team saved: {name}',
    confirmRemoveTeam: 'Remove the team “{name}”? Its members keep their own questionnaires.',
    scim: 'SCIM', scimTitle: 'SCIM provisioning', scimIntro: 'Your identity provider (Entra ID, Okta…) creates, changes and removes your agents with a token. Each token is shown once.',
    scimName: 'Token name', scimCreate: 'Create a token', scimShownOnce: 'Copy this token now: it will not be shown again.',
    scimActivation: 'Send the activation email to people created without a password',
    scimActivationHint: 'Unticked, people created without a password receive nothing: they choose theirs later with “Forgot your password?”.',
    scimBase: 'SCIM address', scimToken: 'Token', scimCreated: 'Created', scimLastUsed: 'Last used', never: 'never',
    integrations: 'Integrations', integrationsTitle: 'Integrations',
    integrationsIntro: 'Your sites’ chat box and your chat servers act in your organization with a key, limited to the scopes you choose. Each key is shown once.',
    keyName: 'Key name', keyCreate: 'Create a key', keyScopes: 'Scopes', keyHint: 'Key starts with',
    keyShownOnce: 'Copy this key now: it will not be shown again.', keyDeploymentSecret: 'deployment secret, to replace with a key',
    confirmRevokeKey: 'Revoke the key “{name}”? Services using it are refused at once.',
    webhooksTitle: 'Webhooks', hookUrl: 'Address (https://)', hookCreate: 'Add a webhook', hookEvents: 'Events',
    hookShownOnce: 'Copy this secret now: it will not be shown again. Your servers verify every signature with it.',
    hookAll: 'All', hookLog: 'Log', hookRotate: 'New secret', hookEndRotation: 'Remove the old secret',
    hookDisable: 'Disable', hookEnable: 'Enable', hookFailing: 'Disabled: kept failing', hookRotating: 'two secrets sign',
    hookEvent: 'Event', hookAttempts: 'Attempts', hookRedeliver: 'Redeliver', hookLogOf: 'Deliveries to {url}',
    hookNoAttempt: 'waiting', 'delivery.pending': 'To deliver', 'delivery.delivered': 'Delivered', 'delivery.failed': 'Given up',
    confirmRemoveHook: 'Remove the webhook {url} and its log?',
    'scope.conversations:open': 'Open conversations (chat box)', 'scope.people:read': 'Read people and their access',
    'scope.conversations:read': 'Read conversations', 'scope.conversations:manage': 'Transfer and close conversations',
    'scope.identity:issue': 'Get a person’s identity token',
    revoked: 'Revoked', revokeSecret: 'Revoke', confirmRevokeToken: 'Revoke the token “{name}”? The identity provider will no longer be able to use it.',
    catalogSaved: 'Catalog saved', heldBy: '“{value}” is still held by:', kind_user: 'account', kind_invitation: 'invitation',
    firstName: 'First name (internal)', lastName: 'Last name (internal)', avatarUrl: 'Avatar (https:// address)',
    inviteResults: 'Result', cancel: 'Cancel', save: 'Save', send: 'Send invitations', close: 'Close',
    remove: 'Remove', edit: 'Edit', revoke: 'Revoke invitation', copy: 'Copy link', copied: 'Link copied',
    active: 'Active', disabled: 'Disabled', invitedUntil: 'Invited, expires {date}',
    adminAllModules: 'Administrators have every module and every conversation.',
    confirmRemove: 'Remove {email}? This cannot be undone.', confirmRevoke: 'Revoke the invitation of {email}?',
    added: 'User added: {email}', saved: 'Changes saved', removed: 'Removed: {email}',
    invitedCount: '{n} invitation(s) sent', valid: 'valid', st_invited: 'invited',
    st_already_member: 'already has an account', st_already_invited: 'already invited', st_invalid: 'invalid',
    invitationFor: 'Invitation for {email} — role: {role}. Expires {date}.', welcome: 'Welcome!',
    noResults: 'No users', ch_chat: 'Chat', ch_call: 'Call', ch_video: 'Video', ch_messaging: 'Messaging',
    m_livechat: 'Live chat', m_statistics: 'Statistics', m_history: 'History', m_users: 'Users',
    m_settings: 'Settings', presence: 'Presence', switchTo: 'Français',
    supervision: 'Supervision', supervisionTitle: 'Live supervision', agentsLive: 'Agents', name: 'Name',
    load: 'Load', queue: 'Queue', questionnaire: 'Questionnaire', language: 'Language', waiting: 'Waiting',
    feed: 'Live', liveOn: 'Live', liveOff: 'Reconnecting…', noWaiting: 'Nobody is waiting',
    myConversations: 'My conversations', noConversation: 'No conversation in progress', unlimited: 'unlimited',
    p_online: 'Online', p_away: 'Away', p_offline: 'Offline',
    ev_conversationQueued: '{conversation} waiting ({questionnaire}, {language})',
    ev_conversationAssigned: '{conversation} → {agent}', ev_conversationTransferred: '{conversation} transferred from {from} to {to}',
    ev_conversationRequeued: '{conversation} back in the queue (was with {from})', ev_conversationClosed: '{conversation} closed',
    ev_presenceChanged: '{agent}: {presence}',
  },
};
const COMMON_LANGUAGES = ['fr', 'en', 'es', 'de', 'it', 'pt', 'nl', 'ar', 'zh', 'ja', 'ru', 'pl'];
const CHANNELS = ['chat', 'call', 'video', 'messaging'];
const ROLES = ['agent', 'manager', 'admin'];

let lang = localStorage.getItem('lang') === 'en' ? 'en' : 'fr';
let token = null; // held in memory only; the HttpOnly cookie carries the session across reloads
let me = null;
let actor = null;
// The organization's catalog (GET /organization/catalog): the forms pick from it and the core
// validates against it, as the Worker does.
let catalog = null;
const $ = (id) => document.getElementById(id);
const t = (key, vars = {}) => (TEXT[lang][key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
const el = (tag, { dataset = {}, ...props } = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset);
  for (const child of children) node.append(child);
  return node;
};
const date = (ms) => new Date(ms).toLocaleDateString(lang === 'en' ? 'en-GB' : 'fr-FR', { dateStyle: 'medium' });
const languageName = (code) => {
  try { return new Intl.DisplayNames([lang], { type: 'language' }).of(code) ?? code; } catch { return code; }
};
const announce = (text) => { $('announce').textContent = ''; requestAnimationFrame(() => { $('announce').textContent = text; }); };

// The newest point of D1 this page has seen (D1 Sessions API): lists that may be served by a
// replica are then at least that recent, the page's own changes included.
let bookmark = null;

async function api(method, path, body) {
  const headers = { 'accept-language': lang };
  if (token) headers.authorization = `Bearer ${token}`;
  if (bookmark) headers['x-d1-bookmark'] = bookmark;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch('/api/v1' + path, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  bookmark = res.headers.get('x-d1-bookmark') ?? bookmark;
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = { title: text }; }
  return { status: res.status, body: json };
}

function translatePage() {
  document.documentElement.lang = lang;
  document.title = t('usersTitle');
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll('[data-t-placeholder]')) node.placeholder = t(node.dataset.tPlaceholder);
  for (const node of document.querySelectorAll('[data-t-label]')) node.setAttribute('aria-label', t(node.dataset.tLabel));
  $('lang-switch').textContent = lang === 'fr' ? 'EN' : 'FR';
  $('lang-switch').setAttribute('aria-label', t('switchTo'));
}

function show(view) {
  for (const id of ['view-sign-in', 'view-second-factor', 'view-users', 'view-catalog', 'view-teams', 'view-scim', 'view-integrations', 'view-supervision', 'view-security', 'view-self', 'view-accept', 'view-reset', 'loading']) $(id).hidden = id !== view;
}

// ---- signing in and out

// The organization the address names (`/acme/`); the root is the default organization.
let organizationSlug = (() => {
  const first = location.pathname.split('/').filter(Boolean)[0];
  return first && first !== 'accept' && first !== 'reset' ? decodeURIComponent(first) : null;
})();

function asActor(user) {
  return { id: user.id, organization: user.organization, role: user.role, modules: user.modules, questionnaires: user.livechat.questionnaires, disabled: user.disabled };
}

async function signedIn(user) {
  me = user;
  actor = asActor(user);
  $('whoami').textContent = user.email;
  $('whoami').hidden = false;
  const organization = await api('GET', '/organization');
  if (organization.status === 200) {
    $('organization-name').textContent = organization.body.name;
    $('organization-name').hidden = false;
    // Signed in from an invitation's link or the root: the address becomes the organization's
    // own, so that signing out leads back to its sign-in.
    if (organization.body.slug !== organizationSlug && organization.body.slug !== 'default') {
      organizationSlug = organization.body.slug;
      history.replaceState(null, '', `/${encodeURIComponent(organizationSlug)}/`);
    }
  }
  $('sign-out').hidden = false;
  $('open-password').hidden = false;
  $('open-security').hidden = false;
  // A policy that requires a factor of someone who has none: enrol first, nothing else.
  const factors = await api('GET', '/me/second-factors');
  if (factors.body?.enrolmentRequired) return openSecurity(factors.body);
  catalog = (await api('GET', '/organization/catalog')).body;
  $('open-catalog').hidden = !core.isAllowed(actor, { type: 'changeSettings' }).allowed;
  $('open-scim').hidden = $('open-catalog').hidden;
  $('open-integrations').hidden = $('open-catalog').hidden;
  $('open-teams').hidden = $('open-catalog').hidden;
  // Whoever may see conversations nobody holds (the queue) supervises; an agent sees their own.
  $('open-supervision').hidden = !core.isAllowed(actor, { type: 'viewConversation', conversation: { organization: actor.organization, assignedTo: null } }).allowed;
  connectLive();
  if (core.isAllowed(actor, { type: 'listUsers' }).allowed) {
    show('view-users');
    await loadUsers(true);
  } else {
    renderSelf();
    show('view-self');
  }
}

function renderSelf() {
  const list = $('self-details');
  list.replaceChildren();
  const rows = [
    [t('email'), me.email], [t('role'), t(`role_${me.role}`)],
    [t('modules'), me.modules.map((m) => t(`m_${m}`)).join(', ')],
    [t('languages'), me.livechat.languages.map(languageName).join(', ')], [t('presence'), me.presence],
  ];
  for (const [k, v] of rows) list.append(el('dt', { textContent: k }), el('dd', { textContent: v }));
}

$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('si-form-error').textContent = '';
  const credentials = { email: $('si-email').value, password: $('si-password').value };
  if (organizationSlug) credentials.organization = organizationSlug;
  const res = await api('POST', '/session', credentials);
  if (res.status === 200) {
    $('si-password').value = '';
    await afterPassword(res.body);
  } else {
    $('si-form-error').textContent = res.body?.errors?.[0]?.message ?? settingsProblem(res.body) ?? res.body?.title ?? String(res.status);
  }
});

// A deployment whose settings are refused (503 configuration_invalid): each setting named, with
// the rule behind it in words, so that whoever runs it knows what to fix.
function settingsProblem(body) {
  if (!body?.settings?.length) return null;
  const each = body.settings.map((s) => `${s.setting} : ${s.rule ? core.describeCode(s.rule, lang) : s.message}`);
  return `${body.title} — ${each.join(' ; ')}`;
}

$('sign-out').addEventListener('click', async () => {
  disconnectLive();
  $('open-supervision').hidden = true;
  const out = await api('DELETE', '/session');
  token = null; me = null; actor = null;
  // A session that came through a provider offering it: signed out there too, then back here.
  if (out.status === 200 && out.body?.endSession) { location.assign(out.body.endSession); return; }
  $('whoami').hidden = true;
  $('organization-name').hidden = true;
  $('sign-out').hidden = true;
  $('open-password').hidden = true;
  $('open-security').hidden = true;
  showSignIn();
});

$('lang-switch').addEventListener('click', () => {
  lang = lang === 'fr' ? 'en' : 'fr';
  localStorage.setItem('lang', lang);
  translatePage();
  if (!$('view-users').hidden) renderRows();
  if (!$('view-self').hidden) renderSelf();
  if (!$('view-catalog').hidden) renderCatalog();
  if (deskView) renderDesk();
  if ($('user-dialog').open) { renderChoices(); validateForm(); }
});

// ---- the users list

const list = { users: [], invitations: [], cursor: null, activeAdmins: 0 };

async function loadUsers(reset) {
  const q = $('search').value.trim();
  const role = $('role-filter').value;
  const params = new URLSearchParams({ limit: '50' });
  if (q) params.set('q', q);
  if (role) params.set('role', role);
  if (!reset && list.cursor) params.set('cursor', list.cursor);
  const res = await api('GET', `/users?${params}`);
  if (res.status === 401) return show('view-sign-in');
  if (res.status !== 200) return announce(res.body?.title ?? '');
  list.users = reset ? res.body.items : list.users.concat(res.body.items);
  list.cursor = res.body.nextCursor;
  if (reset) {
    const invitations = await api('GET', '/invitations?limit=200');
    list.invitations = (invitations.body?.items ?? []).filter((i) => i.status === 'pending');
    if (actor.role === 'admin') {
      const admins = await api('GET', '/users?role=admin&limit=100');
      list.activeAdmins = (admins.body?.items ?? []).filter((u) => !u.disabled).length;
    }
  }
  renderRows();
}

function displayName(user) {
  const full = [user.profile.firstName, user.profile.lastName].filter(Boolean).join(' ');
  return full || user.profile.pseudonym || '—';
}

function renderRows() {
  const body = $('users-table').tBodies[0];
  body.replaceChildren();
  const q = $('search').value.trim().toLowerCase();
  const role = $('role-filter').value;
  const invitations = list.invitations.filter((i) => (!q || i.email.toLowerCase().includes(q)) && (!role || i.role === role));
  for (const user of list.users) body.append(userRow(user));
  for (const invitation of invitations) body.append(invitationRow(invitation));
  if (!body.rows.length) body.append(el('tr', {}, el('td', { colSpan: 6, textContent: t('noResults') })));
  $('more').hidden = !list.cursor;
}

function userRow(user) {
  const subject = { id: user.id, organization: user.organization, role: user.role, disabled: user.disabled };
  const canEdit = core.isAllowed(actor, { type: 'editUser', target: subject, after: null, activeAdmins: list.activeAdmins }).allowed;
  const removal = core.isAllowed(actor, { type: 'deleteUser', target: subject, activeAdmins: list.activeAdmins });
  const actions = el('td', { className: 'row-actions' });
  if (canEdit) {
    actions.append(el('button', { type: 'button', textContent: t('edit'), onclick: () => openForm('edit', user) }));
  }
  const remove = el('button', { type: 'button', className: 'danger', textContent: t('remove'), disabled: !removal.allowed });
  remove.setAttribute('aria-label', `${t('remove')} ${user.email}`);
  remove.onclick = () => confirmThen(t('confirmRemove', { email: user.email }), async () => {
    const res = await api('DELETE', `/users/${user.id}`);
    announce(res.status === 204 ? t('removed', { email: user.email }) : res.body?.title ?? '');
    await loadUsers(true);
  });
  actions.append(' ', remove);
  if (!removal.allowed && removal.code) {
    // Say why, e.g. "At least one active administrator must remain".
    const why = el('span', { className: 'why', id: `why-${user.id}`, textContent: core.describeCode(removal.code, lang) ?? '' });
    remove.setAttribute('aria-describedby', why.id);
    actions.append(why);
  }
  const status = el('span', { className: `badge ${user.disabled ? 'disabled' : ''}`, textContent: user.disabled ? t('disabled') : t('active') });
  return el('tr', { dataset: { email: user.email } },
    el('td', { textContent: user.email }), el('td', { textContent: displayName(user) }),
    el('td', { textContent: t(`role_${user.role}`) }),
    el('td', { textContent: user.modules.map((m) => TEXT[lang][`m_${m}`] ?? m).join(', ') }),
    el('td', {}, status), actions);
}

function invitationRow(invitation) {
  const resend = el('button', { type: 'button', textContent: t('resend') });
  resend.setAttribute('aria-label', `${t('resend')} ${invitation.email}`);
  resend.onclick = async () => {
    const res = await api('POST', `/invitations/${invitation.id}/resend`);
    announce(res.status === 200 ? t('resent', { email: invitation.email }) : res.body?.title ?? '');
    await loadUsers(true);
  };
  const delivery = invitation.delivery;
  const mail = el('span', { className: `badge delivery ${delivery.status}`, textContent: t(`d_${delivery.status}`) });
  mail.dataset.delivery = delivery.status;
  if (delivery.status === 'failed' && delivery.error) mail.title = delivery.error;
  const why = delivery.status === 'failed' && delivery.error ? el('span', { className: 'why', textContent: delivery.error }) : '';
  const revoke = el('button', { type: 'button', textContent: t('revoke') });
  revoke.onclick = () => confirmThen(t('confirmRevoke', { email: invitation.email }), async () => {
    const res = await api('DELETE', `/invitations/${invitation.id}`);
    if (res.status !== 204) announce(res.body?.title ?? '');
    await loadUsers(true);
  });
  return el('tr', { dataset: { email: invitation.email } },
    el('td', { textContent: invitation.email }), el('td', { textContent: '—' }),
    el('td', { textContent: t(`role_${invitation.role}`) }),
    el('td', { textContent: invitation.modules.map((m) => TEXT[lang][`m_${m}`] ?? m).join(', ') }),
    el('td', {}, el('span', { className: 'badge invited', textContent: t('invitedUntil', { date: date(invitation.expiresAt) }) }), ' ', mail, why),
    el('td', { className: 'row-actions' }, resend, ' ', revoke));
}

function confirmThen(text, action) {
  const dialog = $('confirm-dialog');
  $('confirm-text').textContent = text;
  dialog.returnValue = '';
  dialog.onclose = () => { if (dialog.returnValue === 'ok') action(); };
  dialog.showModal();
}

let searchTimer = null;
$('search').addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(() => loadUsers(true), 250); });
$('role-filter').addEventListener('change', () => loadUsers(true));
$('filters').addEventListener('submit', (e) => { e.preventDefault(); loadUsers(true); });
$('more').addEventListener('click', () => loadUsers(false));
$('open-add').addEventListener('click', () => openForm('add'));
$('open-invite').addEventListener('click', () => openForm('invite'));

// ---- the add / edit / invite form

const form = { mode: 'add', user: null, touched: new Set(), showAll: false, serverErrors: [] };
const FIELD_IDS = {
  emails: 'uf-emails', email: 'uf-email', password: 'uf-password', role: 'uf-role', modules: 'uf-modules',
  'livechat.maxConversations': 'uf-max', 'livechat.languages': 'uf-languages', 'livechat.mainLanguage': 'uf-main-language',
  'livechat.channels': 'uf-channels', 'livechat.questionnaires': 'uf-questionnaires', 'profile.timeZone': 'uf-time-zone',
  'profile.firstName': 'uf-first-name', 'profile.lastName': 'uf-last-name', 'profile.pseudonym': 'uf-pseudonym',
  'profile.avatarUrl': 'uf-avatar-url',
};

function checkbox(name, value, label, checked, disabled = false) {
  const input = el('input', { type: 'checkbox', name, value, checked, disabled });
  return el('label', { className: 'check' }, input, el('span', { textContent: label }));
}
const checked = (containerId) => [...$(containerId).querySelectorAll('input:checked')].map((i) => i.value);

/** May the actor give this role (with its default modules)? */
function grantable(role) {
  const defaults = core.roleDefaults(role, catalog);
  const type = form.mode === 'invite' ? 'inviteUser' : 'createUser';
  return core.isAllowed(actor, { type, grant: { role, modules: defaults.modules, questionnaires: actor.questionnaires } }).allowed;
}

/** Role-dependent choices: allowed roles, module ticks (locked for admins), questionnaires shown or not. */
function renderChoices(applyDefaults = false) {
  const role = $('uf-role').value;
  const defaults = core.roleDefaults(role, catalog);
  for (const option of $('uf-role').options) {
    const self = form.mode === 'edit' && form.user?.id === actor.id;
    option.disabled = self ? option.value !== form.user.role : !grantable(option.value) && option.value !== form.user?.role;
  }
  const previous = applyDefaults ? defaults.modules : checked('uf-modules');
  const all = core.roleDefaults('admin', catalog).allowedModules;
  $('uf-modules').replaceChildren(...all.map((m) => checkbox('module', m, TEXT[lang][`m_${m}`] ?? m,
    defaults.modulesLocked || previous.includes(m), defaults.modulesLocked || !defaults.allowedModules.includes(m))));
  $('uf-modules-hint').textContent = defaults.modulesLocked ? t('adminAllModules') : '';
  $('uf-questionnaires-field').hidden = !defaults.showQuestionnaires;
  if (applyDefaults) setLimit(defaults.livechat.maxConversations);
  const languages = checked('uf-languages');
  renderLanguages(languages.length ? languages : defaults.livechat.languages, $('uf-main-language').value);
  const channels = checked('uf-channels');
  $('uf-channels').replaceChildren(...CHANNELS.map((c) => checkbox('channel', c, t(`ch_${c}`),
    (channels.length ? channels : defaults.livechat.channels).includes(c))));
}

function renderLanguages(selected, main) {
  // The languages the organization offers (and any already held, so nothing is dropped unseen).
  const codes = [...new Set([...catalog.languages, ...selected])];
  $('uf-languages').replaceChildren(...codes.map((c) => checkbox('language', c, languageName(c), selected.includes(c))));
  renderMainLanguage(main);
}

function renderMainLanguage(main) {
  const accepted = checked('uf-languages');
  const current = main && accepted.includes(main) ? main : accepted[0];
  $('uf-main-language').replaceChildren(...accepted.map((c) => el('option', { value: c, textContent: languageName(c), selected: c === current })));
}

/** The catalog's questionnaires, by name, ticked for those held. */
function renderQuestionnaires(selected) {
  const entries = [...catalog.questionnaires];
  for (const id of selected) if (!entries.some((q) => q.id === id)) entries.push({ id, name: id });
  $('uf-questionnaires').replaceChildren(...entries.map((q) => checkbox('questionnaire', q.id, q.name, selected.includes(q.id))));
  $('uf-questionnaires-hint').textContent = entries.length ? '' : t('noQuestionnaire');
}

function setLimit(max) {
  $('uf-unlimited').checked = max === null;
  $('uf-max').disabled = max === null;
  $('uf-max').value = max === null ? '' : String(max);
}

function openForm(mode, user = null) {
  Object.assign(form, { mode, user, touched: new Set(), showAll: false, serverErrors: [] });
  const title = { add: 'addUser', edit: 'editUser', invite: 'inviteUsers' }[mode];
  $('user-dialog-title').textContent = t(title);
  for (const node of $('user-form').querySelectorAll('[data-only]')) node.hidden = !node.dataset.only.split(' ').includes(mode);
  $('uf-reset-factors').hidden = mode !== 'edit' || !core.isAllowed(actor, { type: 'resetSecondFactors', target: { id: user.id, organization: user.organization, role: user.role, disabled: user.disabled } }).allowed;
  $('uf-save').textContent = mode === 'invite' ? t('send') : t('save');
  $('invite-results').hidden = true;
  $('uf-form-error').textContent = '';
  const role = user?.role ?? (grantable('agent') ? 'agent' : actor.role);
  $('uf-role').value = role;
  const defaults = core.roleDefaults(role, catalog);
  $('uf-emails').value = '';
  $('uf-email').value = user?.email ?? '';
  $('uf-password').value = '';
  $('uf-time-zone').value = user?.profile.timeZone ?? defaults.timeZone;
  $('uf-first-name').value = user?.profile.firstName ?? '';
  $('uf-last-name').value = user?.profile.lastName ?? '';
  $('uf-pseudonym').value = user?.profile.pseudonym ?? '';
  $('uf-avatar-url').value = user?.profile.avatarUrl ?? '';
  renderQuestionnaires(user?.livechat.questionnaires ?? []);
  $('uf-modules').replaceChildren();
  $('uf-languages').replaceChildren();
  $('uf-channels').replaceChildren();
  const livechat = user?.livechat ?? defaults.livechat;
  renderLanguages(livechat.languages, livechat.mainLanguage);
  $('uf-channels').replaceChildren(...CHANNELS.map((c) => checkbox('channel', c, t(`ch_${c}`), livechat.channels.includes(c))));
  renderChoices(!user);
  if (user) {
    for (const box of $('uf-modules').querySelectorAll('input')) box.checked = user.modules.includes(box.value);
    setLimit(user.livechat.maxConversations);
  }
  validateForm();
  $('user-dialog').showModal();
  (mode === 'invite' ? $('uf-emails') : $('uf-email')).focus();
}

const optional = (value) => (value.trim() === '' ? null : value.trim());

/** The form as the core and the API read it. */
function collect() {
  const max = $('uf-max').value.trim();
  const defaults = core.roleDefaults($('uf-role').value, catalog);
  const livechat = {
    maxConversations: $('uf-unlimited').checked ? null : max === '' ? '' : Number(max),
    languages: checked('uf-languages'),
    mainLanguage: $('uf-main-language').value || null,
    channels: checked('uf-channels'),
  };
  if (defaults.showQuestionnaires) {
    livechat.questionnaires = checked('uf-questionnaires');
  }
  const access = { role: $('uf-role').value, modules: checked('uf-modules'), livechat };
  if (form.mode === 'invite') return { emails: $('uf-emails').value, ...access };
  const input = {
    email: $('uf-email').value, ...access,
    profile: {
      firstName: optional($('uf-first-name').value), lastName: optional($('uf-last-name').value),
      pseudonym: optional($('uf-pseudonym').value), avatarUrl: optional($('uf-avatar-url').value),
      timeZone: $('uf-time-zone').value.trim(),
    },
  };
  if (form.mode === 'add' || $('uf-password').value !== '') input.password = $('uf-password').value;
  return input;
}

function check(input) {
  if (form.mode === 'add') return core.validateUser(input, lang, catalog);
  if (form.mode === 'edit') return core.validateUserPatch(input, lang, catalog);
  return core.validateInvitation(input, lang, catalog);
}

/** Shows errors (on touched fields, or all after a server answer) and enables Save only when valid. */
function validateForm() {
  const input = collect();
  const result = check(input);
  const errors = result.type === 'failure' ? result.errors : [];
  const shown = new Map();
  for (const e of [...form.serverErrors, ...errors]) {
    const field = e.field.replace(/\[\d+\]$/, '');
    if (!shown.has(field) && (form.showAll || form.touched.has(field) || form.serverErrors.includes(e))) shown.set(field, e);
  }
  for (const [field, id] of Object.entries(FIELD_IDS)) {
    const error = shown.get(field);
    const node = $(id);
    $(`${id}-error`).textContent = error?.message ?? '';
    node.setAttribute('aria-invalid', error ? 'true' : 'false');
    node.closest('.field').classList.toggle('invalid', Boolean(error));
  }
  const unplaced = [...shown.entries()].filter(([f]) => !FIELD_IDS[f]).map(([, e]) => e.message);
  $('uf-form-error').textContent = unplaced.join(' ');
  if (form.mode !== 'invite') passwordHint(errors);
  else renderVerdicts(result.type === 'success' ? result.value.emails : result.emails ?? []);
  const anyValid = form.mode !== 'invite' || (result.value?.emails ?? []).some((e) => e.status === 'valid');
  $('uf-save').disabled = result.type === 'failure' || !anyValid || form.serverErrors.length > 0;
  return result;
}

function passwordHint(errors) {
  const hint = $('uf-password-hint');
  const value = $('uf-password').value;
  const bad = errors.some((e) => e.field === 'password');
  hint.classList.toggle('good', value !== '' && !bad);
  hint.textContent = value === '' ? (form.mode === 'edit' ? '' : t('passwordHint')) : bad ? `${[...value].length} / 12` : t('passwordGood');
}

function renderVerdicts(verdicts) {
  $('uf-emails-verdicts').replaceChildren(...verdicts.map((v) => el('li', {},
    el('span', { className: v.status === 'valid' ? 'ok' : 'ko', textContent: v.status === 'valid' ? '✓' : '✗' }),
    el('span', { textContent: v.input }),
    el('span', { className: 'hint', textContent: v.status === 'valid' ? t('valid') : v.message }))));
}

function touch(event) {
  const entry = Object.entries(FIELD_IDS).find(([, id]) => event.target.id === id || event.target.closest(`#${id}`));
  const field = event.target.id === 'uf-unlimited' ? 'livechat.maxConversations' : entry?.[0];
  if (!field) return;
  form.touched.add(field);
  // Editing a field retires what the server said about it.
  form.serverErrors = form.serverErrors.filter((e) => e.field.replace(/\[\d+\]$/, '') !== field);
}

$('user-form').addEventListener('input', (event) => {
  touch(event);
  if (event.target.id === 'uf-unlimited') $('uf-max').disabled = event.target.checked;
  if (event.target.name === 'language') renderMainLanguage($('uf-main-language').value);
  $('invite-results').hidden = true;
  validateForm();
});
$('uf-role').addEventListener('change', () => { renderChoices(true); validateForm(); });
$('uf-cancel').addEventListener('click', () => $('user-dialog').close());

$('user-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = validateForm();
  if (result.type === 'failure') { form.showAll = true; validateForm(); return; }
  const input = collect();
  $('uf-save').disabled = true;
  const res = form.mode === 'add' ? await api('POST', '/users', input)
    : form.mode === 'edit' ? await api('PATCH', `/users/${form.user.id}`, input)
      : await api('POST', '/invitations', input);
  if (res.status === 200 || res.status === 201) {
    if (form.mode === 'invite') {
      showInviteResults(res.body);
    } else {
      $('user-dialog').close();
      announce(form.mode === 'add' ? t('added', { email: res.body.email }) : t('saved'));
    }
    await loadUsers(true);
    return;
  }
  // The server said no: show its errors against the right fields, in the page's language.
  form.serverErrors = res.body?.errors ?? [];
  form.showAll = true;
  if (!form.serverErrors.length) $('uf-form-error').textContent = res.body?.title ?? String(res.status);
  validateForm();
  if (!form.serverErrors.length) $('uf-form-error').textContent = res.body?.title ?? String(res.status);
});

function showInviteResults(body) {
  const items = body.results.map((r) => {
    const li = el('li', {},
      el('span', { className: r.status === 'invited' ? 'ok' : 'ko', textContent: r.status === 'invited' ? '✓' : '✗' }),
      el('span', { textContent: r.input }),
      el('span', { className: 'hint', textContent: t(`st_${r.status}`) + (r.status === 'invalid' && r.message ? ` — ${r.message}` : '') }));
    li.dataset.status = r.status;
    if (r.acceptUrl) {
      const link = el('code', { textContent: r.acceptUrl });
      const copy = el('button', { type: 'button', textContent: t('copy') });
      copy.onclick = async () => { try { await navigator.clipboard.writeText(r.acceptUrl); } catch { /* shown anyway */ } announce(t('copied')); };
      li.append(link, copy);
    }
    return li;
  });
  $('invite-results-list').replaceChildren(...items);
  $('invite-results').hidden = false;
  $('invite-results').scrollIntoView({ block: 'nearest' });
  announce(t('invitedCount', { n: body.invited }));
}

// ---- the organization's catalog (admins): what the forms above pick from

const catalogForm = { draft: null, serverErrors: [] };

function openCatalog() {
  catalogForm.draft = structuredClone(catalog);
  catalogForm.serverErrors = [];
  $('cat-holders').hidden = true;
  $('cat-form-error').textContent = '';
  renderCatalog();
  show('view-catalog');
  $('cat-new-id').focus();
}

function renderCatalog() {
  const draft = catalogForm.draft;
  const languageOptions = (selected) => [el('option', { value: '', textContent: t('anyLanguage'), selected: !selected }),
    ...draft.languages.map((c) => el('option', { value: c, textContent: languageName(c), selected: c === selected }))];
  $('cat-questionnaires').tBodies[0].replaceChildren(...draft.questionnaires.map((q) => {
    const name = el('input', { value: q.name, oninput: (e) => { q.name = e.target.value; validateCatalog(); } });
    name.setAttribute('aria-label', `${t('catName')} ${q.id}`);
    const language = el('select', { onchange: (e) => { q.language = e.target.value || null; validateCatalog(); } }, ...languageOptions(q.language));
    language.setAttribute('aria-label', `${t('catLanguage')} ${q.id}`);
    const remove = el('button', { type: 'button', className: 'danger', textContent: t('remove'),
      onclick: () => { draft.questionnaires = draft.questionnaires.filter((x) => x !== q); renderCatalog(); } });
    remove.setAttribute('aria-label', `${t('remove')} ${q.id}`);
    return el('tr', { dataset: { id: q.id } }, el('td', {}, el('code', { textContent: q.id })), el('td', {}, name),
      el('td', {}, language), el('td', { className: 'row-actions' }, remove));
  }));
  const codes = [...new Set([...COMMON_LANGUAGES, ...draft.languages])];
  $('cat-languages').replaceChildren(...codes.map((c) => checkbox('offered', c, languageName(c), draft.languages.includes(c))));
  $('cat-modules').value = draft.modules.join(', ');
  $('cat-locale').value = draft.locale;
  validateCatalog();
}

/** The same check as PUT /organization/catalog, before sending. */
function validateCatalog() {
  const result = core.validateCatalog(catalogForm.draft, lang);
  const errors = [...catalogForm.serverErrors, ...(result.type === 'failure' ? result.errors : [])];
  for (const field of ['questionnaires', 'languages', 'modules', 'locale']) {
    const error = errors.find((e) => e.field.split(/[.[]/)[0] === field);
    $(`cat-${field}-error`).textContent = error?.message ?? '';
  }
  $('cat-save').disabled = result.type === 'failure';
  return result;
}

function showHolders(entries) {
  const box = $('cat-holders');
  box.replaceChildren(...entries.flatMap((entry) => [
    el('p', { textContent: t('heldBy', { value: entry.value }) }),
    el('ul', {}, ...entry.holders.map((h) => el('li', { textContent: `${h.email} (${t(`kind_${h.kind}`)})` }))),
  ]));
  box.hidden = false;
}

$('open-catalog').addEventListener('click', openCatalog);
$('catalog-back').addEventListener('click', () => { show('view-users'); loadUsers(true); });
$('cat-add').addEventListener('click', () => {
  const id = $('cat-new-id').value.trim();
  if (!id) return $('cat-new-id').focus();
  catalogForm.draft.questionnaires.push({ id, name: $('cat-new-name').value.trim() || id, language: null });
  $('cat-new-id').value = '';
  $('cat-new-name').value = '';
  renderCatalog();
  $('cat-new-id').focus();
});
$('cat-languages').addEventListener('change', () => {
  catalogForm.draft.languages = checked('cat-languages');
  renderCatalog();
});
$('cat-modules').addEventListener('input', (e) => {
  catalogForm.draft.modules = e.target.value.split(',').map((m) => m.trim()).filter(Boolean);
  validateCatalog();
});
$('cat-locale').addEventListener('change', (e) => { catalogForm.draft.locale = e.target.value; validateCatalog(); });
$('catalog-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (validateCatalog().type === 'failure') return;
  $('cat-holders').hidden = true;
  $('cat-form-error').textContent = '';
  const res = await api('PUT', '/organization/catalog', catalogForm.draft);
  catalogForm.serverErrors = [];
  if (res.status === 200) {
    catalog = res.body;
    catalogForm.draft = structuredClone(catalog);
    renderCatalog();
    announce(t('catalogSaved'));
    return;
  }
  if (res.body?.holders) showHolders(res.body.holders);
  else if (res.status === 422) catalogForm.serverErrors = res.body.errors ?? [];
  $('cat-form-error').textContent = res.body?.title ?? String(res.status);
  validateCatalog();
});

// ---- teams (admins)

const teamForm = { id: null, people: [] };

async function openTeams() {
  // The form is ready before it shows: what someone types is never wiped by a late reset.
  const people = await api('GET', '/users?limit=100');
  teamForm.people = people.body?.items ?? [];
  editTeam(null);
  show('view-teams');
  await loadTeams();
}

async function loadTeams() {
  const res = await api('GET', '/teams');
  const names = new Map(catalog.questionnaires.map((q) => [q.id, q.name]));
  const rows = (res.body?.items ?? []).map((team) => {
    const edit = el('button', { type: 'button', textContent: t('edit'), onclick: () => editTeam(team) });
    edit.setAttribute('aria-label', `${t('edit')} ${team.name}`);
    const remove = el('button', { type: 'button', className: 'danger', textContent: t('remove') });
    remove.setAttribute('aria-label', `${t('remove')} ${team.name}`);
    remove.onclick = () => confirmThen(t('confirmRemoveTeam', { name: team.name }), async () => {
      await api('DELETE', `/teams/${team.id}`);
      await loadTeams();
    });
    return el('tr', { dataset: { id: team.id } }, el('td', { textContent: team.name }),
      el('td', { textContent: team.questionnaires.map((q) => names.get(q) ?? q).join(', ') }),
      el('td', { textContent: String(team.members.length) }), el('td', { className: 'row-actions' }, edit, ' ', remove));
  });
  $('teams-table').tBodies[0].replaceChildren(...rows);
}

function editTeam(team) {
  teamForm.id = team?.id ?? null;
  $('team-form-title').textContent = t(team ? 'teamEdit' : 'teamNew');
  $('team-name').value = team?.name ?? '';
  $('team-questionnaires').replaceChildren(...catalog.questionnaires.map((q) => checkbox('team-q', q.id, q.name, team?.questionnaires.includes(q.id) ?? false)));
  $('team-members').replaceChildren(...teamForm.people.map((u) => checkbox('team-member', u.id, u.email, team?.members.includes(u.id) ?? false)));
  for (const f of ['name', 'questionnaires', 'members']) $(`team-${f}-error`).textContent = '';
}

$('open-teams').addEventListener('click', openTeams);
$('teams-back').addEventListener('click', () => { show('view-users'); loadUsers(true); });
$('team-cancel').addEventListener('click', () => editTeam(null));
$('team-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = { name: $('team-name').value, questionnaires: checked('team-questionnaires'), members: checked('team-members') };
  const res = teamForm.id ? await api('PUT', `/teams/${teamForm.id}`, body) : await api('POST', '/teams', body);
  for (const f of ['name', 'questionnaires', 'members']) {
    $(`team-${f}-error`).textContent = (res.body?.errors ?? []).find((e) => e.field.split('[')[0] === f)?.message ?? '';
  }
  if (res.status === 200 || res.status === 201) {
    announce(t('teamSaved', { name: res.body.name }));
    editTeam(null);
    await loadTeams();
  }
});

// ---- SCIM tokens (admins)

async function openScim() {
  $('scim-new').hidden = true;
  $('scim-name-error').textContent = '';
  show('view-scim');
  $('scim-name').focus(); // at once, like the integrations screen's
  const organization = await api('GET', '/organization');
  $('scim-activation').checked = organization.body?.scimActivationEmails !== false;
  await loadScimTokens();
}

async function loadScimTokens() {
  const res = await api('GET', '/organization/scim-tokens');
  const rows = (res.body?.items ?? []).map((token) => {
    const revoke = el('button', { type: 'button', className: 'danger', textContent: t('revokeSecret'), disabled: Boolean(token.revokedAt) });
    revoke.setAttribute('aria-label', `${t('revokeSecret')} ${token.name}`);
    revoke.onclick = () => confirmThen(t('confirmRevokeToken', { name: token.name }), async () => {
      await api('DELETE', `/organization/scim-tokens/${token.id}`);
      await loadScimTokens();
    });
    const status = token.revokedAt ? t('revoked') : t('active');
    return el('tr', { dataset: { id: token.id } }, el('td', { textContent: token.name }), el('td', { textContent: date(token.createdAt) }),
      el('td', { textContent: token.lastUsedAt ? date(token.lastUsedAt) : t('never') }),
      el('td', {}, el('span', { className: `badge ${token.revokedAt ? 'disabled' : ''}`, textContent: status })),
      el('td', { className: 'row-actions' }, revoke));
  });
  $('scim-tokens').tBodies[0].replaceChildren(...rows);
}

$('open-scim').addEventListener('click', openScim);
$('scim-activation').addEventListener('change', async () => {
  const res = await api('PUT', '/organization/scim-settings', { activationEmails: $('scim-activation').checked });
  if (res.status !== 200) $('scim-activation').checked = !$('scim-activation').checked;
});
$('scim-back').addEventListener('click', () => { show('view-users'); loadUsers(true); });
$('scim-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const res = await api('POST', '/organization/scim-tokens', { name: $('scim-name').value });
  if (res.status !== 201) {
    $('scim-name-error').textContent = res.body?.errors?.[0]?.message ?? res.body?.title ?? String(res.status);
    return;
  }
  $('scim-name-error').textContent = '';
  $('scim-name').value = '';
  $('scim-new-base').textContent = res.body.baseUrl;
  $('scim-new-token').textContent = res.body.token;
  $('scim-new').hidden = false;
  await loadScimTokens();
});

// ---- integration keys (admins)

const SCOPES = ['conversations:open', 'people:read', 'conversations:read', 'conversations:manage', 'identity:issue'];

async function openIntegrations() {
  $('key-new').hidden = true;
  $('key-error').textContent = '';
  $('key-scopes').replaceChildren(el('legend', { textContent: t('keyScopes') }), ...SCOPES.map((scope) => el('label', { className: 'check' },
    el('input', { type: 'checkbox', value: scope, checked: scope === 'conversations:open' }), ` ${t(`scope.${scope}`)}`)));
  show('view-integrations');
  // Focus now, not once the lists have loaded: a late focus() would move whoever already typed
  // into another field of the screen (their text lands in the key's name).
  $('key-name').focus();
  await Promise.all([loadIntegrationKeys(), openWebhooks()]);
}

async function loadIntegrationKeys() {
  const res = await api('GET', '/organization/integration-keys');
  const rows = (res.body?.items ?? []).map((key) => {
    const revoke = el('button', { type: 'button', className: 'danger', textContent: t('revokeSecret'), disabled: Boolean(key.revokedAt) || key.deploymentSecret });
    revoke.setAttribute('aria-label', `${t('revokeSecret')} ${key.name}`);
    revoke.onclick = () => confirmThen(t('confirmRevokeKey', { name: key.name }), async () => {
      await api('DELETE', `/organization/integration-keys/${key.id}`);
      await loadIntegrationKeys();
    });
    const status = key.revokedAt ? t('revoked') : t('active');
    const name = key.deploymentSecret ? `${key.name} — ${t('keyDeploymentSecret')}` : key.name;
    return el('tr', { dataset: { id: key.id } }, el('td', { textContent: name }),
      el('td', { textContent: key.scopes.map((s) => t(`scope.${s}`)).join(', ') }),
      el('td', {}, el('code', { textContent: `${key.hint}…` })),
      el('td', { textContent: key.lastUsedAt ? date(key.lastUsedAt) : t('never') }),
      el('td', {}, el('span', { className: `badge ${key.revokedAt ? 'disabled' : ''}`, textContent: status })),
      el('td', { className: 'row-actions' }, revoke));
  });
  $('integration-keys').tBodies[0].replaceChildren(...rows);
}

$('open-integrations').addEventListener('click', openIntegrations);
$('integrations-back').addEventListener('click', () => { show('view-users'); loadUsers(true); });
$('key-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const scopes = [...$('key-scopes').querySelectorAll('input:checked')].map((i) => i.value);
  const res = await api('POST', '/organization/integration-keys', { name: $('key-name').value, scopes });
  if (res.status !== 201) {
    $('key-error').textContent = res.body?.errors?.map((e) => e.message).join(' · ') ?? res.body?.title ?? String(res.status);
    return;
  }
  $('key-error').textContent = '';
  $('key-name').value = '';
  $('key-new-value').textContent = res.body.key;
  $('key-new').hidden = false;
  await loadIntegrationKeys();
});

// ---- webhook endpoints (admins): Intégrations › Webhooks

let eventTypes = null;
/** The event catalogue, as the API describes it (the core's EventType). */
async function loadEventTypes() {
  if (!eventTypes) {
    const doc = (await api('GET', '/openapi.json')).body;
    eventTypes = doc?.components?.schemas?.EventType?.enum ?? [];
  }
  return eventTypes;
}

async function openWebhooks() {
  $('hook-new').hidden = true;
  $('hook-error').textContent = '';
  $('hook-log').hidden = true;
  const types = await loadEventTypes();
  const all = el('input', { type: 'checkbox', id: 'hook-all' });
  all.onchange = () => $('hook-events').querySelectorAll('input[data-type]').forEach((i) => { i.checked = all.checked; });
  $('hook-events').replaceChildren(el('legend', { textContent: t('hookEvents') }),
    el('label', { className: 'check' }, all, ` ${t('hookAll')}`),
    ...types.map((type) => el('label', { className: 'check' }, el('input', { type: 'checkbox', value: type, dataset: { type } }), ` ${type}`)));
  await loadWebhooks();
}

async function loadWebhooks() {
  const res = await api('GET', '/organization/webhooks');
  const rows = (res.body?.items ?? []).map((hook) => {
    const button = (label, action, className = '') => {
      const b = el('button', { type: 'button', className, textContent: t(label) });
      b.setAttribute('aria-label', `${t(label)} ${hook.url}`);
      b.onclick = action;
      return b;
    };
    const put = (enabled) => async () => {
      await api('PUT', `/organization/webhooks/${hook.id}`, { url: hook.url, events: hook.events, enabled });
      await loadWebhooks();
    };
    const actions = [button('hookLog', () => openDeliveries(hook)), button('edit', () => editWebhook(hook))];
    actions.push(button('hookRotate', async () => {
      const r = await api('POST', `/organization/webhooks/${hook.id}/secret`);
      if (r.status === 200) { $('hook-new-value').textContent = r.body.secret; $('hook-new').hidden = false; }
      await loadWebhooks();
    }));
    if (hook.rotating) {
      actions.push(button('hookEndRotation', async () => { await api('DELETE', `/organization/webhooks/${hook.id}/previous-secret`); await loadWebhooks(); }));
    }
    actions.push(hook.disabledAt ? button('hookEnable', put(true)) : button('hookDisable', put(false)));
    actions.push(button('remove', () => confirmThen(t('confirmRemoveHook', { url: hook.url }), async () => {
      await api('DELETE', `/organization/webhooks/${hook.id}`);
      $('hook-log').hidden = true;
      await loadWebhooks();
    }), 'danger'));
    const status = hook.disabledAt ? (hook.disabledReason === 'failing' ? t('hookFailing') : t('disabled'))
      : `${t('active')}${hook.rotating ? ` · ${t('hookRotating')}` : ''}`;
    return el('tr', { dataset: { id: hook.id } }, el('td', {}, el('code', { textContent: hook.url })),
      el('td', { textContent: hook.events.join(', ') }),
      el('td', {}, el('span', { className: `badge ${hook.disabledAt ? 'disabled' : ''}`, textContent: status })),
      el('td', { className: 'row-actions' }, ...actions));
  });
  $('webhook-endpoints').tBodies[0].replaceChildren(...rows);
}

/** Loads an endpoint into the form: saving then changes it (its address, its events). */
function editWebhook(hook) {
  const form = $('hook-form');
  form.dataset.editing = hook.id;
  form.dataset.enabled = hook.disabledAt ? 'false' : 'true';
  $('hook-url').value = hook.url;
  $('hook-events').querySelectorAll('input[data-type]').forEach((i) => { i.checked = hook.events.includes(i.value); });
  form.querySelector('button[type=submit]').textContent = t('save');
  $('hook-url').focus();
}

function resetWebhookForm() {
  const form = $('hook-form');
  delete form.dataset.editing;
  $('hook-url').value = '';
  $('hook-events').querySelectorAll('input').forEach((i) => { i.checked = false; });
  form.querySelector('button[type=submit]').textContent = t('hookCreate');
}

async function openDeliveries(hook) {
  const res = await api('GET', `/organization/webhooks/${hook.id}/deliveries`);
  $('hook-log-title').textContent = t('hookLogOf', { url: hook.url });
  const rows = (res.body?.items ?? []).map((d) => {
    const attempts = d.attempts.map((a) => `${date(a.at)} · ${a.status ?? '—'} · ${a.durationMs} ms${a.error ? ` · ${a.error}` : ''}`);
    const again = el('button', { type: 'button', textContent: t('hookRedeliver') });
    again.setAttribute('aria-label', `${t('hookRedeliver')} ${d.type} #${d.seq}`);
    again.onclick = async () => {
      await api('POST', `/organization/webhooks/${hook.id}/redeliver`, { event: d.eventId });
      // The log follows the new attempt: read again until it is recorded (15 s at most).
      for (let i = 0; i < 30; i++) {
        const items = await openDeliveries(hook);
        const now = items.find((x) => x.eventId === d.eventId);
        if (!now || (now.status !== 'pending' && now.attempts.length > d.attempts.length)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    return el('tr', { dataset: { event: d.eventId } }, el('td', {}, el('code', { textContent: `#${d.seq} ${d.type}` })),
      el('td', { textContent: t(`delivery.${d.status}`) }),
      el('td', {}, ...(attempts.length ? attempts.map((a) => el('div', { className: 'attempt', textContent: a })) : [t('hookNoAttempt')])),
      el('td', { className: 'row-actions' }, again));
  });
  $('hook-deliveries').tBodies[0].replaceChildren(...rows);
  $('hook-log').hidden = false;
  return res.body?.items ?? [];
}

$('hook-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const events = [...$('hook-events').querySelectorAll('input[data-type]:checked')].map((i) => i.value);
  const form = $('hook-form');
  const editing = form.dataset.editing;
  const res = editing
    ? await api('PUT', `/organization/webhooks/${editing}`, { url: $('hook-url').value, events, enabled: form.dataset.enabled !== 'false' })
    : await api('POST', '/organization/webhooks', { url: $('hook-url').value, events });
  if (res.status !== (editing ? 200 : 201)) {
    $('hook-error').textContent = res.body?.errors?.map((e) => e.message).join(' · ') ?? res.body?.title ?? String(res.status);
    return;
  }
  $('hook-error').textContent = '';
  resetWebhookForm();
  if (!editing) {
    $('hook-new-value').textContent = res.body.secret;
    $('hook-new').hidden = false;
  }
  await loadWebhooks();
});

// ---- a forgotten password, and changing one's own

$('open-forgot').addEventListener('click', () => {
  $('sign-in-form').hidden = true;
  $('forgot-form').hidden = false;
  $('fg-done').hidden = true;
  $('fg-email').value = $('si-email').value;
  $('fg-email').focus();
});
$('close-forgot').addEventListener('click', () => {
  $('forgot-form').hidden = true;
  $('sign-in-form').hidden = false;
});
$('forgot-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = { email: $('fg-email').value };
  if (organizationSlug) body.organization = organizationSlug;
  const res = await api('POST', '/password/forgot', body);
  $('fg-email-error').textContent = res.status === 202 ? '' : res.body?.errors?.[0]?.message ?? res.body?.title ?? String(res.status);
  $('fg-done').hidden = res.status !== 202;
});

function showReset() {
  show('view-reset');
  const resetToken = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
  const input = () => ({ token: resetToken, password: $('rs-password').value });
  let touched = false;
  const validate = () => {
    const result = core.validatePasswordReset(input(), lang);
    const error = result.type === 'failure' ? result.errors.find((e) => e.field === 'password' || e.field === 'token') : null;
    $('rs-password-error').textContent = touched || error?.field === 'token' ? error?.message ?? '' : '';
    $('rs-password').setAttribute('aria-invalid', error && touched ? 'true' : 'false');
    $('reset-form').querySelector('button[type=submit]').disabled = result.type === 'failure';
    return result;
  };
  $('reset-form').oninput = () => { touched = true; validate(); };
  $('reset-form').onsubmit = async (event) => {
    event.preventDefault();
    if (validate().type === 'failure') return;
    const res = await api('POST', '/password/reset', input());
    if (res.status !== 200) {
      $('rs-form-error').textContent = res.body?.errors?.[0]?.message ?? res.body?.title ?? String(res.status);
      return;
    }
    history.replaceState(null, '', '/');
    await afterPassword(res.body);
  };
  validate();
}

$('open-password').addEventListener('click', () => {
  for (const id of ['pw-current', 'pw-new']) { $(id).value = ''; $(`${id}-error`).textContent = ''; }
  $('pw-form-error').textContent = '';
  $('password-dialog').showModal();
  $('pw-current').focus();
});
$('pw-cancel').addEventListener('click', () => $('password-dialog').close());
const passwordChange = () => ({ currentPassword: $('pw-current').value, newPassword: $('pw-new').value });
function showPasswordErrors(errors, all) {
  for (const [field, id] of [['currentPassword', 'pw-current'], ['newPassword', 'pw-new']]) {
    const error = (all || $(id).value !== '') ? errors.find((e) => e.field === field) : null;
    $(`${id}-error`).textContent = error?.message ?? '';
    $(id).setAttribute('aria-invalid', error ? 'true' : 'false');
  }
}
$('password-form').addEventListener('input', () => {
  const result = core.validatePasswordChange(passwordChange(), lang, me.email);
  showPasswordErrors(result.type === 'failure' ? result.errors : [], false);
});
$('password-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const result = core.validatePasswordChange(passwordChange(), lang, me.email);
  if (result.type === 'failure') return showPasswordErrors(result.errors, true);
  const res = await api('PUT', '/me/password', passwordChange());
  if (res.status !== 200) {
    showPasswordErrors(res.body?.errors ?? [], true);
    if (!res.body?.errors?.length) $('pw-form-error').textContent = res.body?.title ?? String(res.status);
    return;
  }
  token = res.body.token;
  $('password-dialog').close();
  announce(t('passwordChanged'));
});

// ---- accepting an invitation

async function showAccept() {
  show('view-accept');
  const inviteToken = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
  const res = await api('GET', `/invitations/lookup?token=${encodeURIComponent(inviteToken)}`);
  if (res.status !== 200) {
    $('accept-intro').textContent = res.body?.title ?? String(res.status);
    return;
  }
  const invitation = res.body;
  $('accept-intro').textContent = t('invitationFor', { email: invitation.email, role: t(`role_${invitation.role}`), date: date(invitation.expiresAt) });
  $('accept-form').hidden = false;
  // Under SSO required no password is chosen: the person signs in through the provider.
  const sso = invitation.ssoRequired;
  $('accept-form').querySelector('[data-field=password]').hidden = sso;
  $('ac-sso-note').hidden = !sso;
  const collectAcceptance = () => ({
    token: inviteToken,
    ...(sso ? {} : { password: $('ac-password').value }),
    profile: { pseudonym: optional($('ac-pseudonym').value) },
  });
  const touched = new Set();
  const validate = () => {
    const result = core.validateAcceptance(collectAcceptance(), lang, invitation.email, sso);
    const errors = result.type === 'failure' ? result.errors : [];
    for (const [field, id] of [['password', 'ac-password'], ['profile.pseudonym', 'ac-pseudonym']]) {
      const error = touched.has(field) ? errors.find((e) => e.field === field) : null;
      $(`${id}-error`).textContent = error?.message ?? '';
      $(id).setAttribute('aria-invalid', error ? 'true' : 'false');
    }
    $('accept-form').querySelector('button[type=submit]').disabled = result.type === 'failure';
    return result;
  };
  $('accept-form').oninput = (event) => { touched.add(event.target.id === 'ac-password' ? 'password' : 'profile.pseudonym'); validate(); };
  $('accept-form').onsubmit = async (event) => {
    event.preventDefault();
    if (validate().type === 'failure') return;
    const accepted = await api('POST', '/invitations/accept', collectAcceptance());
    if (accepted.status !== 201) {
      $('ac-form-error').textContent = accepted.body?.errors?.[0]?.message ?? accepted.body?.title ?? String(accepted.status);
      return;
    }
    // Created without a password: on to the organization's sign-in page and its providers.
    if (accepted.body.organization) {
      location.assign(`/${encodeURIComponent(accepted.body.organization)}/`);
      return;
    }
    token = accepted.body.token;
    history.replaceState(null, '', '/');
    announce(t('welcome'));
    await signedIn(accepted.body.user);
  };
  validate();
}

// ---- second factors

// A right password answers a session, or the second step's challenge (someone with a factor).
let secondStep = null;
async function afterPassword(answer) {
  if (answer.token) {
    token = answer.token;
    return signedIn(answer.user);
  }
  secondStep = answer;
  $('sf-error').textContent = '';
  $('sf-code').value = '';
  $('sf-with-totp').hidden = !answer.methods.includes('totp');
  document.querySelector(`input[name=sf-method][value=${answer.methods.includes('totp') ? 'totp' : 'recovery'}]`).checked = true;
  $('sf-passkey').hidden = !answer.methods.includes('passkey');
  show('view-second-factor');
  $('sf-code').focus();
}

async function signedInWith(res, errorId) {
  if (res.status === 200) {
    token = res.body.token;
    secondStep = null;
    return signedIn(res.body.user);
  }
  $(errorId).textContent = res.body?.errors?.[0]?.message ?? res.body?.title ?? String(res.status);
  if (res.body?.code === 'challenge_expired') setTimeout(() => show('view-sign-in'), 1500);
}

$('second-factor-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const method = document.querySelector('input[name=sf-method]:checked').value;
  const res = await api('POST', '/session/second-factor', { challenge: secondStep.challenge, method, code: $('sf-code').value });
  await signedInWith(res, 'sf-error');
});

// navigator.credentials with the JSON forms of WebAuthn Level 3 (the Worker reads `toJSON()`).
async function passkeyAssertion(request) {
  const options = PublicKeyCredential.parseRequestOptionsFromJSON(request.publicKey);
  const credential = await navigator.credentials.get({ publicKey: options });
  return api('POST', '/session/second-factor', { challenge: request.challenge, method: 'passkey', credential: credential.toJSON() });
}

$('sf-passkey').addEventListener('click', async () => {
  $('sf-error').textContent = '';
  if (onIpAddress) return void ($('sf-error').textContent = passkeyNeedsName());
  try {
    const request = await api('POST', '/session/passkey', { challenge: secondStep.challenge });
    if (request.status !== 200) return signedInWith(request, 'sf-error');
    await signedInWith(await passkeyAssertion(request.body), 'sf-error');
  } catch {
    $('sf-error').textContent = t('passkeyFailed');
  }
});

// WebAuthn refuses an IP address as the relying party (the site a passkey belongs to): say so,
// with the address to use instead, rather than fail with no reason.
const onIpAddress = /^\d{1,3}(\.\d{1,3}){3}$/.test(location.hostname) || location.hostname.startsWith('[');
function passkeyNeedsName() {
  const host = location.hostname;
  const local = host === '127.0.0.1' || host === '[::1]';
  const suggestion = local ? `${location.protocol}//localhost${location.port ? `:${location.port}` : ''}${location.pathname}` : t('yourDomain');
  return t('passkeyNeedsName', { host, suggestion });
}

$('passkey-sign-in').addEventListener('click', async () => {
  $('si-form-error').textContent = '';
  if (onIpAddress) return void ($('si-form-error').textContent = passkeyNeedsName());
  try {
    const request = await api('POST', '/session/passkey', organizationSlug ? { organization: organizationSlug } : {});
    if (request.status !== 200) return signedInWith(request, 'si-form-error');
    await signedInWith(await passkeyAssertion(request.body), 'si-form-error');
  } catch {
    $('si-form-error').textContent = t('passkeyFailed');
  }
});

$('sf-back').addEventListener('click', () => { secondStep = null; showSignIn(); });

// One's own factors, and (admins) the organization's policy.
let factors = null;
async function openSecurity(view = null) {
  factors = view ?? (await api('GET', '/me/second-factors')).body;
  $('enrol-required').hidden = !factors.enrolmentRequired;
  $('security-back').hidden = factors.enrolmentRequired;
  $('totp-form').hidden = true;
  $('recovery-new').hidden = true;
  $('policy-card').hidden = !core.isAllowed(actor, { type: 'changeSettings' }).allowed || factors.enrolmentRequired;
  $('policy').value = factors.policy;
  $('policy-saved').textContent = '';
  $('sso-card').hidden = true;
  $('sso-form').hidden = true;
  if (!$('policy-card').hidden) await loadSso();
  renderFactors();
  // Said before anyone tries: a passkey cannot be made on this address.
  $('passkey-error').textContent = onIpAddress ? passkeyNeedsName() : '';
  show('view-security');
}

function renderFactors() {
  $('totp-status').textContent = factors.totp ? t('totpOn') : t('totpOff');
  $('totp-start').hidden = factors.totp;
  $('totp-remove').hidden = !factors.totp;
  $('recovery-status').textContent = factors.totp || factors.passkeys.length ? t('recoveryLeft', { n: factors.recoveryCodesLeft }) : t('recoveryNone');
  $('recovery-renew').hidden = !(factors.totp || factors.passkeys.length);
  $('passkey-list').replaceChildren(...factors.passkeys.map((key) => {
    const rename = el('button', { type: 'button', textContent: t('rename') });
    rename.setAttribute('aria-label', `${t('rename')} ${key.name}`);
    rename.onclick = async () => {
      const name = prompt(t('passkeyName'), key.name);
      if (name && (await api('PATCH', `/me/second-factors/passkeys/${key.id}`, { name })).status === 204) await openSecurity();
    };
    const remove = el('button', { type: 'button', className: 'danger', textContent: t('remove') });
    remove.setAttribute('aria-label', `${t('remove')} ${key.name}`);
    remove.onclick = async () => {
      const res = await api('DELETE', `/me/second-factors/passkeys/${key.id}`);
      if (res.status === 204) await openSecurity();
      else $('passkey-error').textContent = res.body?.title ?? String(res.status);
    };
    const used = key.lastUsedAt ? t('passkeyUsed', { date: date(key.lastUsedAt) }) : t('passkeyNever');
    return el('li', { dataset: { id: key.id } }, el('span', { textContent: `${key.name} — ${used} ` }), rename, remove);
  }));
}

// A factor just added: the recovery codes when it was the first, and out of enrolment.
async function factorAdded(body) {
  const wasEnrolling = factors.enrolmentRequired;
  factors = body.factors;
  renderFactors();
  if (body.recoveryCodes) showRecoveryCodes(body.recoveryCodes);
  $('enrol-required').hidden = true;
  $('security-back').hidden = false;
  if (wasEnrolling) catalog = (await api('GET', '/organization/catalog')).body;
}

function showRecoveryCodes(codes) {
  $('recovery-codes').replaceChildren(...codes.map((code) => el('li', { textContent: code })));
  $('recovery-new').hidden = false;
}

$('open-security').addEventListener('click', () => openSecurity());
$('security-back').addEventListener('click', () => signedIn(me));

$('totp-start').addEventListener('click', async () => {
  const res = await api('POST', '/me/second-factors/totp');
  if (res.status !== 200) return;
  $('totp-qr').src = `data:image/svg+xml;base64,${btoa(res.body.qrSvg)}`;
  $('totp-qr').alt = res.body.uri;
  $('totp-secret').textContent = res.body.secret;
  $('totp-code').value = '';
  $('totp-error').textContent = '';
  $('totp-form').hidden = false;
  $('totp-code').focus();
});

$('totp-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const res = await api('PUT', '/me/second-factors/totp', { code: $('totp-code').value });
  if (res.status !== 200) {
    $('totp-error').textContent = res.body?.errors?.[0]?.message ?? res.body?.title ?? String(res.status);
    return;
  }
  $('totp-form').hidden = true;
  await factorAdded(res.body);
});

$('totp-remove').addEventListener('click', async () => {
  const res = await api('DELETE', '/me/second-factors/totp');
  if (res.status === 204) await openSecurity();
  else $('totp-status').textContent = res.body?.title ?? String(res.status);
});

$('passkey-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('passkey-error').textContent = '';
  if (onIpAddress) return void ($('passkey-error').textContent = passkeyNeedsName());
  try {
    const options = await api('POST', '/me/second-factors/passkeys/options');
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options.body);
    const credential = await navigator.credentials.create({ publicKey });
    const res = await api('POST', '/me/second-factors/passkeys', { name: $('passkey-name').value, credential: credential.toJSON() });
    if (res.status !== 200) {
      $('passkey-error').textContent = res.body?.errors?.[0]?.message ?? res.body?.title ?? String(res.status);
      return;
    }
    $('passkey-name').value = '';
    announce(t('passkeyAdded'));
    await factorAdded(res.body);
  } catch {
    $('passkey-error').textContent = t('passkeyFailed');
  }
});

$('recovery-renew').addEventListener('click', async () => {
  const res = await api('POST', '/me/second-factors/recovery-codes');
  if (res.status !== 200) return;
  showRecoveryCodes(res.body.codes);
  factors.recoveryCodesLeft = res.body.codes.length;
  renderFactors();
});

$('policy').addEventListener('change', async () => {
  const res = await api('PUT', '/organization/security', { secondFactor: $('policy').value });
  $('policy-saved').textContent = res.status === 200 ? t('policySaved') : res.body?.title ?? String(res.status);
  if (res.status === 200) factors = (await api('GET', '/me/second-factors')).body;
  if (factors.enrolmentRequired) await openSecurity(factors);
});

$('uf-reset-factors').addEventListener('click', () => {
  const user = form.user;
  confirmThen(t('confirmResetFactors', { email: user.email }), async () => {
    const res = await api('DELETE', `/users/${user.id}/second-factors`);
    if (res.status === 204) announce(t('factorsReset', { email: user.email }));
    else $('uf-form-error').textContent = res.body?.title ?? String(res.status);
  });
});

// ---- start

async function start() {
  const t0 = performance.now();
  await init();
  // Read by bench/page.mjs: how long fetching and instantiating the wasm took.
  window.__wasmInitMs = performance.now() - t0;
  translatePage();
  $('time-zones').replaceChildren(...core.timeZones().map((z) => el('option', { value: z })));
  if (location.pathname === '/accept') return showAccept();
  if (location.pathname === '/reset') return showReset();
  // Back from a provider: refused (the reason named), or on to the second step.
  const params = new URLSearchParams(location.search);
  const ssoError = params.get('sso_error');
  if (ssoError) history.replaceState(null, '', location.pathname);
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('second-factor')) {
    history.replaceState(null, '', location.pathname);
    await showSignIn();
    return afterPassword({ challenge: hash.get('second-factor'), methods: (hash.get('methods') ?? 'recovery').split(',') });
  }
  const res = await api('GET', '/me');
  if (res.status === 200) await signedIn(res.body);
  else {
    await showSignIn();
    if (ssoError) $('sso-error').textContent = core.describeCode(ssoError, lang);
  }
}

// ---- single sign-on: the sign-in page's buttons, and (admins) the organization's providers

async function showSignIn() {
  show('view-sign-in');
  $('sso-error').textContent = '';
  $('sso-buttons').replaceChildren();
  $('sso-buttons').hidden = true;
  $('sso-required-note').hidden = true;
  if (!organizationSlug) return;
  const res = await api('GET', `/sso/providers?organization=${encodeURIComponent(organizationSlug)}`);
  if (res.status !== 200) return;
  const slug = encodeURIComponent(organizationSlug);
  $('sso-buttons').replaceChildren(...res.body.providers.map((p) => el('a', {
    className: 'button sso-button', textContent: t('ssoSignInWith', { name: p.name }),
    href: `/api/v1/sso/start?organization=${slug}&provider=${encodeURIComponent(p.id)}`,
  })));
  $('sso-buttons').hidden = !res.body.providers.length;
  $('sso-required-note').hidden = !res.body.required;
}

let sso = null;
async function loadSso() {
  const res = await api('GET', '/organization/sso');
  if (res.status !== 200) { $('sso-card').hidden = true; return; }
  sso = res.body;
  $('sso-card').hidden = false;
  $('sso-redirect').textContent = sso.redirectUri;
  $('sso-providers').replaceChildren(...sso.providers.map((p) => {
    const edit = el('button', { type: 'button', textContent: t('ssoEdit') });
    edit.setAttribute('aria-label', `${t('ssoEdit')} ${p.name}`);
    edit.onclick = () => openSsoForm(p);
    const remove = el('button', { type: 'button', className: 'danger', textContent: t('ssoRemove') });
    remove.setAttribute('aria-label', `${t('ssoRemove')} ${p.name}`);
    remove.onclick = () => confirmThen(t('ssoConfirmRemove', { name: p.name }), async () => {
      const out = await api('DELETE', `/organization/sso/providers/${p.id}`);
      if (out.status === 204) await loadSso();
    });
    return el('li', { dataset: { provider: p.id } }, el('strong', { textContent: p.name }), ` · ${p.issuer}${p.enabled ? '' : ` (${t('ssoDisabled')})`} `, edit, remove);
  }));
  if (!sso.providers.length) $('sso-providers').append(el('li', { className: 'hint', textContent: t('ssoNone') }));
  // The policy: the break-glass admin among the organization's active admins.
  const admins = (await api('GET', '/users?role=admin&limit=100')).body?.items?.filter((u) => !u.disabled) ?? [];
  $('sso-break-glass').replaceChildren(el('option', { value: '', textContent: '—' }), ...admins.map((a) => el('option', { value: a.id, textContent: a.email })));
  $('sso-break-glass').value = sso.breakGlass ?? '';
  $('sso-required').checked = sso.required;
  $('sso-jit').checked = !!sso.jit;
  $('sso-jit-role').value = sso.jit?.role ?? 'agent';
  $('sso-policy-status').textContent = '';
}

let ssoEditing = null;
function openSsoForm(provider = null) {
  ssoEditing = provider;
  $('sso-form').hidden = false;
  $('sso-form-error').textContent = '';
  $('sso-name').value = provider?.name ?? '';
  $('sso-preset').value = provider?.preset ?? 'generic';
  $('sso-issuer').value = provider?.preset === 'generic' ? provider.issuer : '';
  $('sso-tenant').value = provider?.tenant ?? '';
  $('sso-client-id').value = provider?.clientId ?? '';
  $('sso-client-secret').value = '';
  $('sso-client-secret').placeholder = provider ? t('ssoSecretKept') : '';
  $('sso-email-claim').value = provider?.emailClaim ?? 'email';
  $('sso-domains').value = (provider?.allowedDomains ?? []).join(', ');
  $('sso-enabled').checked = provider?.enabled ?? true;
  presetFields();
  $('sso-name').focus();
}

// A preset asks for its tenant or domain, and fills the issuer's shape from it.
function presetFields() {
  const preset = $('sso-preset').value;
  $('sso-issuer-field').hidden = preset !== 'generic';
  $('sso-tenant-field').hidden = preset === 'generic';
  $('sso-tenant-label').textContent = t({ entra: 'ssoTenantEntra', okta: 'ssoTenantOkta', google: 'ssoTenantGoogle' }[preset] ?? 'ssoTenantEntra');
}
$('sso-preset').addEventListener('change', presetFields);
$('sso-add').addEventListener('click', () => openSsoForm());
$('sso-cancel').addEventListener('click', () => { $('sso-form').hidden = true; });

$('sso-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const preset = $('sso-preset').value;
  const body = {
    name: $('sso-name').value, preset, clientId: $('sso-client-id').value,
    emailClaim: $('sso-email-claim').value || null,
    allowedDomains: $('sso-domains').value.split(',').map((d) => d.trim()).filter(Boolean),
    enabled: $('sso-enabled').checked,
  };
  if (preset === 'generic') body.issuer = $('sso-issuer').value; else body.tenant = $('sso-tenant').value;
  if ($('sso-client-secret').value) body.clientSecret = $('sso-client-secret').value;
  const res = ssoEditing
    ? await api('PUT', `/organization/sso/providers/${ssoEditing.id}`, body)
    : await api('POST', '/organization/sso/providers', body);
  if (res.status === 200 || res.status === 201) {
    $('sso-form').hidden = true;
    return loadSso();
  }
  $('sso-form-error').textContent = (res.body?.errors ?? []).map((e) => `${e.field} : ${e.message}`).join(' ; ') || res.body?.title || String(res.status);
});

$('sso-policy-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = { required: $('sso-required').checked, breakGlass: $('sso-break-glass').value || null, jit: $('sso-jit').checked ? { role: $('sso-jit-role').value } : null };
  const res = await api('PUT', '/organization/sso', body);
  $('sso-policy-status').textContent = res.status === 200 ? t('ssoPolicySaved') : (res.body?.errors?.[0]?.message ?? res.body?.title ?? String(res.status));
  if (res.status === 200) sso = res.body;
});

start();

// ---- live desk (WebSocket, pushed by the organization's desk; the session cookie authenticates it)

let liveSocket = null;
let deskView = null;
const feed = [];

function connectLive() {
  disconnectLive();
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`);
  liveSocket = socket;
  socket.onopen = () => liveStatus(true);
  socket.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (data.type === 'desk') { deskView = data.desk; renderDesk(); }
    if (data.type === 'event') { feed.unshift(data); feed.length = Math.min(feed.length, 30); renderFeed(); }
  };
  socket.onclose = () => {
    liveStatus(false);
    // Reconnects while signed in (a deploy or a network blip); a refused socket stops after sign-out.
    if (liveSocket === socket && me) setTimeout(() => { if (liveSocket === socket && me) connectLive(); }, 3000);
  };
}

function disconnectLive() {
  const socket = liveSocket;
  liveSocket = null;
  deskView = null;
  feed.length = 0;
  socket?.close();
}

function liveStatus(on) {
  $('live-status').textContent = t(on ? 'liveOn' : 'liveOff');
  $('live-status').className = `badge ${on ? '' : 'disabled'}`;
  $('self-live-status').textContent = t(on ? 'liveOn' : 'liveOff');
}

const nameOf = (id) => deskView?.agents.find((a) => a.id === id)?.name ?? id?.slice(0, 8) ?? '—';

function renderDesk() {
  if (!deskView) return;
  const agents = deskView.agents.map((a) => {
    const max = a.maxConversations ?? Math.max(a.load, 1);
    const bar = el('meter', { min: 0, max, value: a.load, low: max * 0.5, high: max * 0.99, optimum: 0 });
    bar.setAttribute('aria-label', `${a.name} ${a.load} / ${a.maxConversations ?? t('unlimited')}`);
    return el('tr', { dataset: { agent: a.id, load: String(a.load) } }, el('td', { textContent: a.name }),
      el('td', {}, el('span', { className: `badge presence-${a.presence}`, textContent: t(`p_${a.presence}`) })),
      el('td', { className: 'load' }, bar, ` ${a.load} / ${a.maxConversations ?? '∞'}`));
  });
  $('live-agents').tBodies[0].replaceChildren(...agents);
  // The queue by questionnaire and language, the longest first, each against the longest.
  const groups = new Map();
  for (const c of deskView.queue) {
    const key = `${c.questionnaire}\u0000${c.language}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const most = Math.max(1, ...groups.values());
  const rows = [...groups].sort((a, b) => b[1] - a[1]).map(([key, n]) => {
    const [questionnaire, language] = key.split('\u0000');
    return el('tr', { dataset: { waiting: String(n) } }, el('td', { textContent: questionnaire }), el('td', { textContent: languageName(language) }),
      el('td', { className: 'load' }, el('meter', { min: 0, max: most, value: n }), ` ${n}`));
  });
  if (!rows.length) rows.push(el('tr', {}, el('td', { colSpan: 3, className: 'hint', textContent: t('noWaiting') })));
  $('live-queue').tBodies[0].replaceChildren(...rows);
  $('queue-total').textContent = String(deskView.queue.length);
  // An agent's own conversations, on their page.
  $('self-live').hidden = !$('open-supervision').hidden;
  const mine = deskView.conversations.map((c) => el('li', { dataset: { conversation: c.id }, textContent: `${c.questionnaire} · ${languageName(c.language)} · ${new Date(c.openedAt).toLocaleTimeString(lang === 'en' ? 'en-GB' : 'fr-FR')}` }));
  if (!mine.length) mine.push(el('li', { className: 'hint', textContent: t('noConversation') }));
  $('self-conversations').replaceChildren(...mine);
  renderFeed();
}

function renderFeed() {
  $('live-feed').replaceChildren(...feed.map(({ event, at }) => {
    const vars = { ...event, conversation: event.conversation?.slice(0, 8), agent: nameOf(event.agent), from: nameOf(event.from), to: nameOf(event.to),
      presence: event.presence ? t(`p_${event.presence}`) : '', language: event.language ? languageName(event.language) : '' };
    return el('li', { dataset: { type: event.type } }, el('time', { textContent: new Date(at).toLocaleTimeString(lang === 'en' ? 'en-GB' : 'fr-FR') }), ` ${t(`ev_${event.type}`, vars)}`);
  }));
}

$('open-supervision').addEventListener('click', () => { show('view-supervision'); renderDesk(); });
$('supervision-back').addEventListener('click', async () => {
  if (core.isAllowed(actor, { type: 'listUsers' }).allowed) { show('view-users'); await loadUsers(true); } else { renderSelf(); show('view-self'); }
});
