"""Migration without loss, the data half: `seed` writes a single-company database (the schema of
migration 0001) with users, sessions, invitations, conversations, audit entries and sign-in
failures; `check` reads it back after the migrations and compares every row. Run by
scripts/test-migration on the local D1 file of a real `wrangler d1 migrations apply`."""
import glob, json, sqlite3, sys, time


def check(condition, *context):
    """A failure that no interpreter flag removes (a bare `assert` vanishes under -O)."""
    if not condition:
        raise SystemExit(f"migration check failed: {context!r}")

# Made by the reference implementation, not the Worker's code (low cost for the test):
# echo -n "migrated passphrase 2025" | argon2 migration-fixtur -id -t 1 -k 64 -p 1 -l 32 -e
PHC = "$argon2id$v=19$m=64,t=1,p=1$bWlncmF0aW9uLWZpeHR1cg$3oN/vIaMnksh2X46cXxt6143+LNpaY8ajZZZHAuKU0c"
PASSWORD = "migrated passphrase 2025"
ACCESS = {"role": "agent", "modules": ["livechat"], "livechat": {"maxConversations": 3, "languages": ["fr"],
          "mainLanguage": "fr", "questionnaires": ["site-fr"], "channels": ["chat"]}}
ADMIN = {"role": "admin", "modules": ["history", "livechat", "settings", "statistics", "users"],
         "livechat": {"maxConversations": None, "languages": ["fr"], "mainLanguage": "fr",
                      "questionnaires": [], "channels": ["chat"]}}
# A second agent, an invitation and a conversation that use more of what a catalog lists.
LEA = {"role": "agent", "modules": ["crm", "livechat"], "livechat": {"maxConversations": 3, "languages": ["en", "fr"],
       "mainLanguage": "fr", "questionnaires": ["shop", "site-fr"], "channels": ["chat"]}}
INVITED = {"role": "agent", "modules": ["livechat"], "livechat": {"maxConversations": 3, "languages": ["es"],
           "mainLanguage": "es", "questionnaires": ["site-es"], "channels": ["chat"]}}
# What migration 0003 must list: everything above, French always, each name its id.
CATALOG = {"questionnaires": [{"id": q, "name": q} for q in ["app", "shop", "site-es", "site-fr"]],
           "modules": ["crm"], "languages": ["de", "en", "es", "fr"], "locale": "fr"}
PROFILE = {"firstName": "Léa", "lastName": None, "pseudonym": "Léa", "avatarUrl": None, "timeZone": "Europe/Paris"}
USERS = [
    ("u-admin", "Admin@Exemple.fr", "admin@exemple.fr", "admin", ADMIN, 0, "offline"),
    ("u-lea", "lea@exemple.fr", "lea@exemple.fr", "agent", LEA, 0, "online"),
    ("u-old", "old@exemple.fr", "old@exemple.fr", "agent", ACCESS, 1, "offline"),
]
TABLES = ["users", "sessions", "invitations", "conversations", "audit_log", "login_failures"]


def connect(state):
    files = [f for f in glob.glob(state + "/v3/d1/miniflare-D1DatabaseObject/*.sqlite")
             if not f.endswith("metadata.sqlite")]
    check(len(files) == 1, files)
    db = sqlite3.connect(files[0])
    db.row_factory = sqlite3.Row
    return db


def seed(db):
    for (uid, email, key, role, access, disabled, presence) in USERS:
        db.execute("INSERT INTO users (id, email, email_key, password_hash, role, access, profile, disabled, "
                   "presence, session_epoch, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,0,1,2)",
                   (uid, email, key, PHC, role, json.dumps(access), json.dumps(PROFILE), disabled, presence))
    db.execute("INSERT INTO sessions VALUES ('digest-1', 'u-lea', 0, 1, 9999999999999)")
    db.execute("INSERT INTO invitations (id, email, email_key, role, access, token_hash, invited_by, status, "
               "created_at, expires_at) VALUES ('i-1', 'new@exemple.fr', 'new@exemple.fr', 'agent', ?, "
               "'token-digest', 'u-admin', 'pending', 1, 9999999999999)", (json.dumps(INVITED),))
    # One whose link died before the upgrade: its expiry is not announced by the upgrade (0014).
    db.execute("INSERT INTO invitations (id, email, email_key, role, access, token_hash, invited_by, status, "
               "created_at, expires_at) VALUES ('i-0', 'late@exemple.fr', 'late@exemple.fr', 'agent', ?, "
               "'token-digest-0', 'u-admin', 'pending', 1, 2)", (json.dumps(INVITED),))
    db.execute("INSERT INTO conversations VALUES ('c-1', 'site-fr', 'fr', 'chat', 'assigned', 'u-lea', 1, 1)")
    db.execute("INSERT INTO conversations VALUES ('c-2', 'app', 'de', 'chat', 'waiting', NULL, 2, 2)")
    db.execute("INSERT INTO audit_log (at, actor_id, action, target_id, target_email, before, after) "
               "VALUES (1, 'u-admin', 'created', 'u-lea', 'lea@exemple.fr', NULL, ?)", (json.dumps(ACCESS),))
    db.execute("INSERT INTO login_failures VALUES ('client:127.0.0.1', 2, 1)")
    db.commit()


def dump(db):
    return {t: [dict(r) for r in db.execute(f"SELECT * FROM {t} ORDER BY 1")] for t in TABLES}


if __name__ == "__main__":
    command, state, snapshot = sys.argv[1:4]
    if command == "catalog":  # the Worker's GET /organization/catalog, on stdin
        served = json.load(sys.stdin)
        for q in served["questionnaires"]:
            check(q.pop("language") is None, q)
        check(served == CATALOG, served)
        print("the Worker serves the migrated catalog")
        sys.exit(0)
    if command == "conversations":  # the Worker's GET /conversations, on stdin: moved to the desk
        served = sorted(json.load(sys.stdin)["items"], key=lambda c: c["id"])
        seeded = [c for c in json.load(open(snapshot))["conversations"]]
        expected = [{"id": c["id"], "organization": "default", "questionnaire": c["questionnaire"],
                     "language": c["language"], "channel": c["channel"], "status": c["status"],
                     "assignedTo": c["assigned_to"], "createdAt": c["created_at"], "updatedAt": c["updated_at"]}
                    for c in sorted(seeded, key=lambda c: c["id"])]
        # Lea (online, signed in) may have taken the waiting one when the desk started: that is
        # routing, not loss; everything else is as it was.
        for c in served:
            if c["id"] == "c-2" and c["status"] == "assigned":
                check(c["assignedTo"] == "u-lea", c)
                c.update(status="waiting", assignedTo=None, updatedAt=2)
        check(served == expected, (served, expected))
        left = connect(state).execute("SELECT COUNT(*) FROM conversations").fetchone()[0]
        check(left == 0, ("conversations left in D1", left))
        print("every conversation moved into its organization's desk, none left in D1")
        sys.exit(0)
    db = connect(state)
    if command == "seed":
        seed(db)
        json.dump(dump(db), open(snapshot, "w"))
    elif command == "check":
        before, after = json.load(open(snapshot)), dump(db)
        for table in TABLES:
            check(len(before[table]) == len(after[table]), (table, before[table], after[table]))
            for old, new in zip(before[table], after[table]):
                # Columns later migrations add hold their defaults; every old column its value.
                added = {k: v for k, v in new.items() if k not in old and k != "organization_id"}
                moved = {k: v for k, v in new.items() if k in old}
                check(moved == old, (table, old, new))
                if table == "invitations":
                    # Dead before the upgrade: noted as such (never announced); alive: to note.
                    noted = old["expires_at"] if old["expires_at"] <= time.time() * 1000 else None
                    check(added == {"delivery": "none", "delivery_id": None, "delivery_error": None,
                                     "delivery_attempts": 0, "delivery_at": None,
                                     "expiry_noted_at": noted}, added)
                elif table == "users":
                    check(added == {"external_id": None, "user_name": None, "user_name_key": None,
                                     "emails": None, "locale": None}, added)
                elif table == "sessions":
                    # Password sessions: through no identity provider.
                    check(added == {"sso_provider_id": None, "sso_second_factor": 0}, added)
                else:
                    check(added == {}, (table, added))
                if table != "login_failures":
                    check(new["organization_id"] == "default", (table, new))
        orgs = [dict(r) for r in db.execute("SELECT id, slug, status, scim_activation_emails FROM organizations")]
        check(orgs == [{"id": "default", "slug": "default", "status": "active", "scim_activation_emails": 1}], orgs)
        catalog = json.loads(db.execute("SELECT catalog FROM organizations").fetchone()[0])
        check(catalog == CATALOG, catalog)
        check(not db.execute("PRAGMA foreign_key_check").fetchall())
        print(f"every row of {', '.join(TABLES)} kept, in organization 'default', its catalog listing what they use")
