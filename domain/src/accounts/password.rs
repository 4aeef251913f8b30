//! The password policy (DESIGN §2.1, after Decidim's `PasswordValidator`).
//!
//! A password must be 10..=256 characters long (15 for admins), use at least 5 distinct
//! characters, not contain the person's name, nickname, the local part or first domain label of
//! their email, nor the organization's host, and not be a common password. Every broken rule is
//! reported at once, each with its own stable code, so a sign-up form can show them all. There are
//! deliberately no composition rules ("one digit, one symbol"): ASVS 2.1.9 advises against them.
//!
//! The common-password list is the 30,000 most frequent leaked passwords of the zxcvbn project
//! (MIT licensed; see the header of `common_passwords.txt`). A password also counts as common
//! when it is a listed password followed only by digits and punctuation (`dragonfly2026!`).

use crate::error::{FieldCode, FieldError};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The shortest password a participant may use.
pub const MIN_LENGTH: usize = 10;
/// The shortest password an admin may use.
pub const MIN_ADMIN_LENGTH: usize = 15;
/// The longest password anyone may use (argon2 would take any length; this caps the work).
pub const MAX_LENGTH: usize = 256;
/// How many different characters a password needs.
pub const MIN_DISTINCT_CHARACTERS: usize = 5;
/// Parts of names and hosts shorter than this are too common to forbid (`ana`, `bcn`).
const MIN_FORBIDDEN_PART_LENGTH: usize = 4;

/// Whose password is checked: admins need longer ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    Participant,
    Admin,
}

impl AccountKind {
    /// The policy an account's password is held to: the admin one while it holds the admin role.
    pub fn of(roles: &super::Roles) -> AccountKind {
        if roles.has(super::Role::Admin) {
            AccountKind::Admin
        } else {
            AccountKind::Participant
        }
    }
}

/// Whether a password that passed the participant policy would also pass the admin one: stored
/// with the account, so that only such accounts can be made admins later.
pub fn meets_admin_policy(password: &str, personal: &PersonalData<'_>) -> bool {
    check("password", password, AccountKind::Admin, personal).is_ok()
}

/// What the password may not contain: the person's own data and the organization's host.
#[derive(Debug, Clone, Default)]
pub struct PersonalData<'a> {
    pub name: Option<&'a str>,
    pub nickname: Option<&'a str>,
    pub email_local_part: Option<&'a str>,
    pub email_domain_label: Option<&'a str>,
    pub organization_host: Option<&'a str>,
}

/// Checks `password` against the policy; on failure returns one [`FieldError`] per broken rule,
/// all on the field `field`.
pub fn check(
    field: &str,
    password: &str,
    kind: AccountKind,
    personal: &PersonalData<'_>,
) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let length = password.chars().count();
    let min_length = match kind {
        AccountKind::Participant => MIN_LENGTH,
        AccountKind::Admin => MIN_ADMIN_LENGTH,
    };
    if length < min_length {
        errors.push(FieldError::new(
            field,
            FieldCode::PasswordTooShort,
            format!("Use at least {min_length} characters."),
        ));
    }
    if length > MAX_LENGTH {
        errors.push(FieldError::new(
            field,
            FieldCode::PasswordTooLong,
            format!("Use at most {MAX_LENGTH} characters."),
        ));
    }
    let distinct: HashSet<char> = password.chars().collect();
    if distinct.len() < MIN_DISTINCT_CHARACTERS {
        errors.push(FieldError::new(
            field,
            FieldCode::PasswordTooFewDistinctCharacters,
            format!("Use at least {MIN_DISTINCT_CHARACTERS} different characters."),
        ));
    }

    let lowered = password.to_lowercase();
    let personal_parts = [personal.name, personal.nickname]
        .into_iter()
        .flatten()
        .flat_map(whole_and_parts)
        .chain(
            [personal.email_local_part, personal.email_domain_label]
                .into_iter()
                .flatten()
                .filter(|value| value.chars().count() >= MIN_FORBIDDEN_PART_LENGTH)
                .map(str::to_lowercase),
        );
    if personal_parts
        .into_iter()
        .any(|part| !part.is_empty() && lowered.contains(&part))
    {
        errors.push(FieldError::new(
            field,
            FieldCode::PasswordContainsPersonalData,
            "Do not use your name, nickname or email address in your password.",
        ));
    }
    let contains_host = personal.organization_host.is_some_and(|host| {
        whole_and_parts(host)
            .iter()
            .any(|part| !part.is_empty() && lowered.contains(part))
    });
    if contains_host {
        errors.push(FieldError::new(
            field,
            FieldCode::PasswordContainsOrganizationHost,
            "Do not use the name of this website in your password.",
        ));
    }
    if is_common(&lowered) {
        errors.push(FieldError::new(
            field,
            FieldCode::PasswordTooCommon,
            "This password is too common; choose one that is harder to guess.",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The whole value and each of its parts (split on anything that is not a letter or digit) that
/// are long enough to matter, lowercased. A whole value shorter than the minimum is still
/// forbidden when the person chose it (a three-letter nickname inside a password is still a hint).
fn whole_and_parts(value: &str) -> Vec<String> {
    let lowered = value.trim().to_lowercase();
    let mut parts: Vec<String> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|part| part.chars().count() >= MIN_FORBIDDEN_PART_LENGTH)
        .map(str::to_string)
        .collect();
    if lowered.chars().count() >= 3 {
        parts.push(lowered);
    }
    parts
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .collect()
    })
}

/// Whether a lowercased password is on the list, or is a listed password of 6+ characters
/// followed only by digits and punctuation.
fn is_common(lowered: &str) -> bool {
    let list = common_passwords();
    if list.contains(lowered) {
        return true;
    }
    let base = lowered.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    base.chars().count() >= 6 && list.contains(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(password: &str, kind: AccountKind, personal: &PersonalData<'_>) -> Vec<&'static str> {
        match check("password", password, kind, personal) {
            Ok(()) => vec![],
            Err(errors) => errors.into_iter().map(|e| e.code.as_str()).collect(),
        }
    }

    fn participant(password: &str) -> Vec<&'static str> {
        codes(password, AccountKind::Participant, &PersonalData::default())
    }

    #[test]
    fn a_long_unusual_passphrase_is_accepted() {
        assert_eq!(participant("violet kettle harbour 42"), Vec::<&str>::new());
        assert_eq!(participant("cançó del pi 🌲 vermell"), Vec::<&str>::new());
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert_eq!(participant("k3tTl#vi0"), vec!["password_too_short"]);
        assert_eq!(participant("k3tTl#vi0L"), Vec::<&str>::new());
        assert_eq!(
            participant(&"abcdefghij".repeat(26)),
            vec!["password_too_long"]
        );
        assert_eq!(
            participant(&"abcdefghij".repeat(25)[..250]),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn admins_need_fifteen_characters() {
        let personal = PersonalData::default();
        assert_eq!(
            codes("k3tTl#vi0Lq2z", AccountKind::Admin, &personal),
            vec!["password_too_short"]
        );
        assert_eq!(
            codes("k3tTl#vi0Lq2zW!", AccountKind::Admin, &personal),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn five_distinct_characters_are_needed() {
        assert_eq!(
            participant("abababababab"),
            vec!["password_too_few_distinct_characters"]
        );
        assert_eq!(
            participant("abcdabcdabcd"),
            vec!["password_too_few_distinct_characters"]
        );
        assert_eq!(participant("abcdeabcdeab"), Vec::<&str>::new());
    }

    #[test]
    fn personal_data_is_forbidden() {
        let personal = PersonalData {
            name: Some("Ana Puigdemunt"),
            nickname: Some("anap"),
            email_local_part: Some("ana.rovira"),
            email_domain_label: Some("gmail"),
            organization_host: None,
        };
        let check = |password| codes(password, AccountKind::Participant, &personal);
        assert_eq!(
            check("mi-puigdemunt-clau"),
            vec!["password_contains_personal_data"]
        );
        assert_eq!(
            check("zz ANAP zz kettle"),
            vec!["password_contains_personal_data"]
        );
        assert_eq!(
            check("ana.rovira kettle"),
            vec!["password_contains_personal_data"]
        );
        assert_eq!(
            check("violet gmail kettle"),
            vec!["password_contains_personal_data"]
        );
        assert_eq!(
            check("ana violet kettle"),
            Vec::<&str>::new(),
            "parts under 4 characters are allowed"
        );
    }

    #[test]
    fn the_organization_host_is_forbidden() {
        let personal = PersonalData {
            organization_host: Some("decidim.barcelona"),
            ..PersonalData::default()
        };
        assert_eq!(
            codes("i love barcelona!", AccountKind::Participant, &personal),
            vec!["password_contains_organization_host"]
        );
    }

    #[test]
    fn common_passwords_are_refused_even_with_a_suffix() {
        assert_eq!(participant("qwertyuiop"), vec!["password_too_common"]);
        assert_eq!(participant("Password123"), vec!["password_too_common"]);
        assert_eq!(participant("iloveyou2026!"), vec!["password_too_common"]);
        assert_eq!(participant("1234567890"), vec!["password_too_common"]);
    }

    #[test]
    fn every_broken_rule_is_reported() {
        assert_eq!(
            participant("aaaa"),
            vec!["password_too_short", "password_too_few_distinct_characters"]
        );
    }
}
