/**
 * A small built-in list of passwords and password stems that attackers try
 * first (from public breach-frequency lists). A candidate is refused when it is
 * one of these, or becomes one after lower-casing, undoing common letter
 * substitutions and dropping trailing digits and symbols ("Password2024!").
 */
export const COMMON_PASSWORD_STEMS: ReadonlySet<string> = new Set(
  `password passw0rd passwort motdepasse contraseña senha wachtwoord salasana haslo
  qwerty qwertyuiop qwertyuiopasdf qwertz azerty asdfgh asdfghjkl asdfghjkl zxcvbn zxcvbnm qazwsx qazwsxedc
  1qaz2wsx 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y zaq12wsx abc abcdef abcdefgh abcdefghijkl
  letmein welcome welcomehome iloveyou loveyou trustno1 whatever changeme changeit default secret
  admin administrator root toor user guest login master superman batman spiderman starwars
  monkey dragon football baseball basketball soccer hockey golfer jordan michael michelle jennifer
  sunshine princess shadow ashley bailey charlie daniel donald freedom flower hello hunter killer
  liverpool chelsea arsenal manchester mustang maggie pepper ginger summer winter autumn spring
  computer internet google facebook linkedin microsoft apple samsung pokemon minecraft
  company companyname business office employee manager project projects seedpms seed
  thomas robert jessica hannah matthew andrew joshua william pussy cookie cheese chocolate
  purple orange yellow silver golden diamond blessed jesus christ heaven angel lovely family
  access letmeinnow opensesame passpass mypassword newpassword oldpassword temppassword tempp4ss
  fuckyou fuckoff asshole biteme
  123456789012 1234567890123 12345678901234 098765432109 0987654321 1234567890 123123123123
  111111111111 000000000000 121212121212 112233445566 147258369 159753 741852963 987654321`
    .split(/\s+/)
    .filter(Boolean),
);
