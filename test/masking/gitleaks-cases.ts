/**
 * Secret-scanning cases after gitleaks' rule samples (github.com/gitleaks/gitleaks,
 * cmd/generate/config/rules/{generic,gitlab,slack,huggingface,stripe,sendgrid,aws}.go
 * and cmd/generate/config/utils/generate.go): each rule's true positives (a
 * secret written in the ~25 assignment forms of `GenerateSampleSecrets`,
 * plus the rule's own samples) and false positives (placeholders, names that
 * only look like a secret's). Random parts are generated from a seed with the
 * alphabets gitleaks uses; fixed samples are quoted from the rules.
 */

/** A line holding a secret that must be masked. */
export interface SecretCase {
  readonly rule: string;
  readonly text: string;
  /** The secret inside `text`: every character of it must be masked. */
  readonly secret: string;
}

/** A line with nothing to mask. */
export interface CleanCase {
  readonly rule: string;
  readonly text: string;
}

/** The assignment forms of gitleaks' `GenerateSampleSecrets` (`{i}` is the identifier, `{s}` the secret). */
const FORMS = [
  '{i}Token="{s}"',
  '{i}Token = "{s}"',
  "{i}Token={s}",
  "{i}Token = {s}",
  '{\n    "{i}_token": "{s}"\n}',
  '\\{\n    \\"{i}_token\\": \\"{s}\\"\n\\}',
  "<{i}Token>{s}</{i}Token>",
  "<{i}Token>\n    {s}\n</{i}Token>",
  "{i}_token: {s}",
  "{i}_token: '{s}'",
  '{i}_token: "{s}"',
  "{i}_token: |\n  {s}",
  "{i}_token: >\n  {s}",
  'string {i}Token = "{s}";',
  'var {i}Token string = "{s}"',
  '{i}Token := "{s}"',
  "{i}Token := `{s}`",
  'String {i}Token = "{s}";',
  'var {i}Token = "{s}"',
  '${i}Token .= "{s}"',
  "{i}Token = '{s}'",
  '{i}Token = "{s}"',
  "{i}Token,{s},",
  '  "{i}Token" => "{s}"',
  '{i}_TOKEN = "{s}"',
  '{i}_TOKEN := "{s}"',
  '{i}_TOKEN ::= "{s}"',
  '{i}_TOKEN :::= "{s}"',
  '{i}_TOKEN ?= "{s}"',
  '{i}_TOKEN += "{s}"',
];

/** `secret` written in every assignment form, named after `identifier`. */
function forms(rule: string, identifier: string, secret: string): SecretCase[] {
  return FORMS.map((form) => ({ rule, secret, text: form.replaceAll("{i}", identifier).replaceAll("{s}", secret) }));
}

/** A small seeded generator (mulberry32), so the cases are the same on every run. */
function random(seed: number): (alphabet: string, length: number) => string {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (alphabet, length) => {
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
    return out;
  };
}

const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX = "0123456789abcdef";
const DIGITS = "0123456789";
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** The cases: secrets to mask and clean lines, per rule. */
export function gitleaksCases(seed = 10): { secrets: SecretCase[]; clean: CleanCase[] } {
  const r = random(seed);
  /** A random value with at least one digit, as gitleaks' `newPlausibleSecret` makes. */
  const plausible = (alphabet: string, length: number): string => {
    for (;;) {
      const value = r(alphabet, length);
      if (/[1-9]/.test(value)) return value;
    }
  };
  const secrets: SecretCase[] = [];
  const clean: CleanCase[] = [];
  const own = (rule: string, text: string, secret: string) => secrets.push({ rule, text, secret });
  const none = (rule: string, ...texts: string[]) => clean.push(...texts.map((text) => ({ rule, text })));

  // generic.go
  for (const secret of ["CLOJARS_34bf0e88955ff5a1c328d6a7491acc4f48e865a7b8dd4d70a70749037443", "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB", plausible(ALNUM, 32)]) {
    secrets.push(...forms("generic", "generic", secret));
  }
  own("generic", "'access_token': 'eyJ0eXAioiJKV1slS3oASx=='", "eyJ0eXAioiJKV1slS3oASx==");
  const apiToken = plausible(ALNUM, 60);
  own("generic", `some_api_token_123 = "${apiToken}"`, apiToken);
  own("generic", '"user_auth": "am9obmRvZTpkMDY5NGIxYi1jMTcxLTQ4ODYt+TMyYS0wMmUwOWQ1/mIwNjc="', "am9obmRvZTpkMDY5NGIxYi1jMTcxLTQ4ODYt+TMyYS0wMmUwOWQ1/mIwNjc=");
  own("generic", '"credentials" : "0afae57f3ccfd9d7f5767067bc48b30f719e271ba470488056e37ab35d4b6506"', "0afae57f3ccfd9d7f5767067bc48b30f719e271ba470488056e37ab35d4b6506");
  const creds = plausible(ALNUM, 30);
  own("generic", `creds = ${creds}`, creds);
  const privateKey = plausible(`${ALNUM}-_.=`, 100);
  own("generic", `private-key: ${privateKey}`, privateKey);
  const passwd = plausible(`${ALNUM}-_.=`, 30);
  own("generic", `passwd = ${passwd}`, passwd);
  own("generic", '"client_secret" : "6da89121079f83b2eb6acccf8219ea982c3d79bccc3e9c6a85856480661f8fde",', "6da89121079f83b2eb6acccf8219ea982c3d79bccc3e9c6a85856480661f8fde");
  const mySecret = plausible(ALNUM, 30);
  own("generic", `mySecretString=${mySecret}`, mySecret);
  const todo = plausible(ALNUM, 30);
  own("generic", `todo_secret_do_not_commit = ${todo}`, todo);
  own("generic", ' utils.GetEnvOrDefault("api_token", "dafa7817-e246-48f3-91a7-e87653d587b8")', "dafa7817-e246-48f3-91a7-e87653d587b8");
  // The other forms the masker reads: a setter's argument, an XML element, PHP, Make, Ruby and a line inside a JSON string.
  const setter = plausible(ALNUM, 24);
  own("generic", `System.setProperty("DB_PASSWORD", "${setter}");`, setter);
  const element = plausible(`${ALNUM}!#%`, 18);
  own("generic", `<password>${element}</password>`, element);
  const php = plausible(ALNUM, 28);
  own("generic", `$dbPassword .= "${php}";`, php);
  const make = plausible(ALNUM, 26);
  own("generic", `API_SECRET ?= ${make}`, make);
  const ruby = plausible(ALNUM, 26);
  own("generic", `:api_key => "${ruby}"`, ruby);
  const env = plausible(ALNUM, 20);
  own("generic", `{"env": "DB_PASSWORD=${env}\\nDB_USER=admin\\nDB_HOST=db.internal"}`, env);
  none(
    "generic",
    '"accessor":"rA1wk0Y45YCufyfq",',
    "report_access_id: e8e4df51-2054-49b0-ab1c-516ac95c691d",
    'accessibilityYesOptionId = "0736f5ef-7e88-499a-80cc-90c85d2a5180"',
    "_RandomAccessIterator>\n_LIBCPP_CONSTEXPR_AFTER_CXX11 ",
    'this.ultraPictureBox1.Name = "ultraPictureBox1";',
    "rapidstring:marm64-uwp=fail",
    "event-bus-message-api:rc0.15.0_20231217_1420-SNAPSHOT'",
    "COMMUNICATION_API_VERSION=rc0.13.0_20230412_0712-SNAPSHOT",
    "MantleAPI_version=9a038989604e8da62ecddbe2094b16ce1b778be1",
    "[DEBUG]\t\torg.slf4j.slf4j-api:jar:1.7.8.:compile (version managed from default)",
    "[DEBUG]\t\torg.neo4j.neo4j-graphdb-api:jar:3.5.12:test",
    "apiUrl=apigee.corpint.com",
    'X-API-Name": "NRG0-Hermes-INTERNAL-API",',
    'author = "james.fake@ymail.com",',
    "X-MS-Exchange-Organization-AuthSource: sm02915.int.contoso.com",
    "Authentication-Results: 5h.ca.iphmx.com",
    "withCredentials([usernamePassword(credentialsId: '29f63271-dc2f-4734-8221-5b31b5169bac', usernameVariable: 'USERNAME', passwordVariable: 'PASSWORD')]) {",
    "credentialsId: 'ff083f76-7804-4ef1-80e4-fe975bb9141b'",
    "jobCredentialsId: 'f4aeb6bc-2a25-458a-8111-9be9e502c0e7'",
    '  "credentialId": "B9mTcFSck2LzJO2S3ols63",',
    'environment {\n\tCREDENTIALS_ID = "K8S_CRED"\n}',
    "dev.credentials.url=dev-lb1.api.f4ke.com:5215",
    'keyword: "Befaehigung_P2"',
    'public_key = "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit"',
    "pub const X509_pubkey_st = struct_X509_pubkey_st;",
    "|| pIdxKey->default_rc==0",
    "monkeys-audio:mx64-uwp=fail",
    `primaryKey=${plausible(`${ALNUM}-_.=`, 30)}`,
    `foreignKey=${plausible(`${ALNUM}-_.=`, 30)}`,
    `key_down_event=${plausible(`${ALNUM}-_.=`, 30)}`,
    `issuerKeyHash=${plausible(`${ALNUM}-_.=`, 30)}`,
    '<entry key="jetbrains.mps.v8_elimination" value="executed" />',
    "minisat-master-keying:x64-uwp=fail",
    "IceSSL.KeyFile=s_rsa1024_priv.pem",
    '"bucket_key": "SalesResults-1.2"',
    '<key tag="SecurityIdentifier" name="SecurityIdentifier" type="STRING" />',
    "schemaKey = 'DOC_Vector_5_32'",
    'sequenceKey = "18"',
    "app.keystore.file=env/cert.p12",
    "-DKEYTAB_FILE=/tmp/app.keytab",
    "\tdoc.Security.KeySize = PdfEncryptionKeySize.Key128Bit;",
    "o.keySelector=n,o.haKey=!1,",
    '                                "key_name": "prod5zyxlmy-cmk",',
    '                                "kms_key_id": "555ea4a3-d53a-4412-9c66-3a7cb667b0d6",',
    '\t"key_vault_name": "web21prqodx24021",',
    "  keyVaultToStoreSecrets: cmp2-qat-1208358310",
    'const validKeyChars = "0123456789abcdefghijklmnopqrstuvwxyz_-."',
    'const keyStr = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"',
    "key_length = XSalsa20.key_length",
    'pub const SN_id_Gost28147_89_None_KeyMeshing = "id-Gost28147-89-None-KeyMeshing"',
    "KeyPair = X25519.KeyPair",
    "BlindKeySignatures = Ed25519.BlindKeySignatures",
    'AVEncVideoMaxKeyframeDistance, "2987123a-ba93-4704-b489-ec1e5f25292c"',
    "            keyPressed = kVK_Return.u16",
    'timezone_mapping = {\n    "Turkey Standard Time": "Europe/Istanbul",\n}',
    "password combination.\n\nR5: Regulatory--21",
    "PuttyPassword=0",
    'LLM_SECRET_NAME = "NEXUS-GPT4-API-KEY"',
    "  <UserSecretsId>79a3edd0-2092-40a2-a04d-dcb46d5ca9ed</UserSecretsId>",
    "secret_length = X25519.secret_length",
    "secretSize must be >= XXH3_SECRET_SIZE_MIN",
    "# get build time secret for authentication\n#RUN --mount=type=secret,id=jfrog_secret \\\n#    JFROG_SECRET = $(cat /run/secrets/jfrog_secret) && \\",
    "    access_token_url='https://github.com/login/oauth/access_token',",
    'publicToken = "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit"',
    '<SourceFile SourceLocation="F:\\Extracts\\" TokenFile="RTL_INST_CODE.cer">',
    'notes            = "Maven - io.jsonwebtoken:jjwt-jackson-0.11.2"',
    "csrf-token=Mj2qykJO5rELyHgezQ69nzUX0i3OH67V7+V4eUrLfpuyOuxmiW9rhROG/Whikle15syazJOkrjJa3U2AbhIvUw==",
    'clientId = "73082700-1f09-405b-80d0-3131bfd6272d"',
    "GITHUB_API_KEY=\nDYNATRACE_API_KEY=",
    "snowflake.password=\njdbc.snowflake.url=",
    "import { chain_Anvil1_Key, chain_Anvil2_Key } from '../blockchain-tests/pallets/supported-chains/consts';",
    'SRCREV_moby = "43fc912ef59a83054ea7f6706df4d53a7dea4d80"',
    'LIC_FILES_CHKSUM = "file://${WORKDIR}/license.html;md5=5c94767cedb5d6987c902ac850ded2c6"',
    // Placeholders: template words, references, filler.
    "api_key = your_api_key_here",
    'API_TOKEN="<token>"',
    "password=${DB_PASSWORD}",
    "secret: changeme",
    'password = "xxxxxxxxxxxxxxxx"',
    "client_secret: <your-client-secret>",
    "token = {{ vault_token }}",
    'hf_token = "ADD_YOUR_HUGGING_FACE_TOKEN_HERE"',
  );

  // gitlab.go
  const gitlab: [string, string][] = [
    ["glpat-", r(LOWER_ALNUM, 20)],
    ["glpat-", `${r(LOWER_ALNUM, 27)}.${r(LOWER_ALNUM, 2)}${r(LOWER_ALNUM, 7)}`],
    ["glcbt-", `${r(LOWER_ALNUM, 5)}_${r(LOWER_ALNUM, 20)}`],
    ["gldt-", r(LOWER_ALNUM, 20)],
    ["glffct-", r(LOWER_ALNUM, 20)],
    ["glft-", r(LOWER_ALNUM, 20)],
    ["glimt-", r(LOWER_ALNUM, 25)],
    ["glagent-", r(LOWER_ALNUM, 50)],
    ["gloas-", r(LOWER_ALNUM, 64)],
    ["glptt-", r(HEX, 40)],
    ["GR1348941", r(LOWER_ALNUM, 20)],
    ["glrt-", r(LOWER_ALNUM, 20)],
    ["glrt-", `t${r(DIGITS, 1)}_${r(LOWER_ALNUM, 27)}.${r(LOWER_ALNUM, 2)}${r(LOWER_ALNUM, 7)}`],
    ["glsoat-", r(LOWER_ALNUM, 20)],
  ];
  for (const [prefix, body] of gitlab) secrets.push(...forms("gitlab", "gitlab", prefix + body));
  const session = r(LOWER_ALNUM, 32);
  for (const form of forms("gitlab", "gitlab", `_gitlab_session=${session}`)) secrets.push({ ...form, secret: session });
  none(
    "gitlab",
    "glpat-XXXXXXXXXXX-XXXXXXXX",
    "glpat-xxxxxxxx-xxxxxxxxxxxxxxxxxx.xxxxxxxxx",
    "glptt-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "GR134894112312312312312312312",
    "GR1348941XXXXXXXXXXXXXXXXXXXX",
    "glrt-tx_xxxxxxxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxx",
  );

  // slack.go
  const slack: [string, string][] = [
    ["bot", "xoxb-781236542736-2364535789652-GkwFDQoHqzXDVsC6GzqYUypD"],
    ["bot", `xoxb-${r(DIGITS, 13)}-${r(DIGITS, 12)}-${r(LOWER_ALNUM, 24)}`],
    ["user", "xoxp-41684372915-1320496754-45609968301-e708ba56e1517a99f6b5fb07349476ef"],
    ["user", `xoxp-${r(DIGITS, 12)}-${r(DIGITS, 13)}-${r(DIGITS, 13)}-${r(LOWER_ALNUM, 32)}`],
    ["user", "xoxe-4726837507825-4848681849303-4856614048758-e0b1f3d4cb371f92260edb0d9444d206"],
    ["slack", "xapp-1-A052FGTS2DL-5171572773297-610b6a11f4b7eb819e87b767d80e6575a3634791acb9a9ead051da879eb5b55e"],
    ["slack", `xapp-1-A${r(DIGITS, 10)}-${r(DIGITS, 13)}-${r(LOWER_ALNUM, 64)}`],
    [
      "access",
      "xoxe.xoxp-1-Mi0yLTM0MTQwNDE0MDE3Ni0zNjU5NDY0Njg4MTctNTE4MjA3NTQ5NjA4MC01NDEyOTYyODY5NzUxLThhMTBjZmI1ZWIzMGIwNTg0ZDdmMDI5Y2UxNzVlZWVhYzU2ZWQyZTZiODNjNDZiMGUxMzRlNmNjNDEwYmQxMjQ",
    ],
    ["access", `xoxe.xoxb-1-${r(LOWER_ALNUM, 165)}`],
    ["refresh", "xoxe-1-My0xLTMxNzcwMjQ0MTcxMy01MTU4MTUyNjkxNzE0LTUxODE4NDI0MDY3MzYtMjA5MGFkOTFlZThkZWE2OGFlZDYwYWJjODNhYzAxYjA5ZjVmODBhYjgzN2QyNDdjOTNlOGY5NTg2YWM1OGM4Mg"],
    ["refresh", `xoxe-1-${r(LOWER_ALNUM, 146)}`],
    ["slack", "xoxb-263594206564-FGqddMF8t08v8N7Oq4i57vs1"],
    ["slack", "xoxb-50014434-slacktokenx29U9X1bQ"],
    ["slack", "xoxa-2-511111111-31111111111-3111111111111-e039d02840a0b9379c"],
    ["slack", `xoxr-${r(DIGITS, 1)}-${r(LOWER_ALNUM, 12)}`],
    ["slack", "xoxs-416843729158-132049654-5609968301-e708ba56e1"],
    ["slack", "xoxo-523423-234243-234233-e039d02840a0b9379c"],
    ["slack", `https://hooks.slack.com/services/T${r(BASE32, 8)}/B${r(BASE32, 10)}/${r(ALNUM, 24)}`],
    ["slack", `hooks.slack.com/services/T${r(BASE32, 8)}/B${r(BASE32, 10)}/${r(ALNUM, 24)}`],
    ["slack", `hooks.slack.com/workflows/T${r(BASE32, 8)}/A${r(BASE32, 10)}/${r(DIGITS, 18)}/${r(ALNUM, 24)}`],
  ];
  for (const [identifier, token] of slack) secrets.push(...forms("slack", identifier, token));
  none(
    "slack",
    "xoxb-xxxxxxxxx-xxxxxxxxxx-xxxxxxxxxxxx",
    "xoxb-xxx",
    "xoxb-12345-abcd234",
    "xoxb-xoxb-my-bot-token",
    "https://docs.google.com/document/d/1W7KCxOxP-1Fy5EyF2lbJGE2WuKmu5v0suYqoHas1jRM",
    '"token1": "xoxp-1234567890"',
    '"token2": "xoxp-XXXXXXXXXX-XXXXXXXXXX-XXXXXXXXXXX-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"',
    '"token3": "xoxp-1234-1234-1234-4ddbc191d40ee098cbaae6f3523ada2d"',
    '"token4": "xoxp-572370529330-573807301142-572331691188-####################"',
    "xoxe.xoxp-1-SlackAppConfigurationAccessTokenHere",
    "xoxe.xoxp-1-RANDOMSTRINGHERE",
    "xoxe.xoxp-1-initial",
    "xoxe-1-xxx",
    "XOxE-RROAmw, Home and Garden, 5:24, 20120323",
    "xoxb-xxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx",
    "xoxb-Slack_BOT_TOKEN",
    "xoxb-abcdef-abcdef",
    "https://github.com/xoxa-nyc/xoxa-nyc.github.io/blob/master/README.md",
    "https://indieweb.org/images/3/35/2018-250-xoxo-indieweb-1.jpg",
  );

  // huggingface.go
  for (const token of [`hf_${r(LETTERS, 34)}`, `api_org_${r(LETTERS, 34)}`]) secrets.push(...forms("huggingface", "huggingface", token));
  for (const [text, token] of [
    ["huggingface-cli login --token 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", "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"],
    ['-H "Authorization: Bearer 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"', "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"],
    ["DEV=1 HF_TOKEN=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 poetry run python app.py", "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"],
    ["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", "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"],
    ["`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`", "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"],
    ["os.environ['HUGGINGFACEHUB_API_TOKEN'] = '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'", "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"],
  ] as const) {
    own("huggingface", text, token);
  }
  none(
    "huggingface",
    "- (id)hf_requiredCharacteristicTypesForDisplayMetadata;",
    '        os.environ.get("HF_AUTH_TOKEN",\n"hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),',
    "HUGGINGFACE_API_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx,",
    'public static final String API_ORG_EXIST = "APIOrganizationExist";',
    "const api_org_controller = require('../../controllers/api/index').organizations;",
    "You should see a token hf_xxxxx (old tokens are api_XXXXXXXX or api_org_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx).",
  );

  // stripe.go, sendgrid.go
  for (const prefix of ["sk_test_", "sk_live_", "sk_prod_", "rk_test_", "rk_live_", "rk_prod_"]) secrets.push(...forms("stripe", "stripe", prefix + r(ALNUM, 30)));
  // gitleaks writes the first as `nonMatchingToken := "task_test_…"`: a random value assigned to a token's name, which the generic rule rightly masks.
  none("stripe", `nonMatching = "task_test_${r(ALNUM, 30)}"`, `pk_live_${r(ALNUM, 30)}`);
  secrets.push(...forms("sendgrid", "sengridAPI", `SG.${r(`${LOWER_ALNUM}=_-`, 66)}`));
  secrets.push(...forms("sendgrid", "sengridAPI", `SG.${r(ALNUM, 22)}.${r(ALNUM, 43)}`));

  // aws.go
  secrets.push(...forms("aws", "AWS", "AKIALALEMEL33243OLIB"));
  for (const prefix of ["AKIA", "ASIA", "ABIA", "ACCA"]) secrets.push(...forms("aws", "AWS", prefix + r(BASE32, 16)));
  none(
    "aws",
    "key = AKIAXXXXXXXXXXXXXXXX",
    "aws_access_key: AKIAIOSFODNN7EXAMPLE",
    'msgstr "Näytä asiakirjamallikansio."',
    "TODAYINASIAASACKOFRICEFELLOVER",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  );

  return { secrets, clean };
}
