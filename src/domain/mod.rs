//! Pure rules of the domain: no I/O, no clock of their own, table-tested against the
//! figures in DOMAIN.md.

pub mod content;
pub mod keywords;
pub mod kpi;
pub mod launch;
pub mod rfm;
pub mod risk;
pub mod roles;
pub mod roster;
pub mod rules;
pub mod settings;
pub mod sop;
pub mod stage;
pub mod tiers;
pub mod when;

/// The shipped defaults, `data/rules.toml`. Each rules module reads its own section
/// through [`shipped_section`], so no rules module needs the aggregate in `rules`.
pub const SHIPPED_RULES: &str = include_str!("../../data/rules.toml");

/// One section of the shipped rules (`&["kpi", "stages"]` is `[kpi.stages]`). A unit test
/// parses every section, so this cannot fail at run time unless the binary itself is
/// broken.
pub fn shipped_section<T: serde::de::DeserializeOwned>(path: &[&str]) -> T {
    let mut value: toml::Value =
        toml::from_str(SHIPPED_RULES).unwrap_or_else(|e| panic!("data/rules.toml is invalid: {e}"));
    for key in path {
        value = value
            .as_table_mut()
            .and_then(|t| t.remove(*key))
            .unwrap_or_else(|| panic!("data/rules.toml has no [{}]", path.join(".")));
    }
    value
        .try_into()
        .unwrap_or_else(|e| panic!("data/rules.toml [{}] is invalid: {e}", path.join(".")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_shipped_section_parses() {
        // each rules module's `shipped()` reads its own section; all of them at once
        let r = super::rules::Rules::parse(super::SHIPPED_RULES).unwrap();
        let tiers: super::tiers::TierRules = super::shipped_section(&["tiers"]);
        assert_eq!(tiers.silent_days, r.tiers.silent_days);
        let _: super::kpi::StageDays = super::shipped_section(&["kpi", "stages"]);
        let _: super::rfm::RfmRules = super::shipped_section(&["rfm"]);
        let _ = super::content::ContentRules::shipped();
        let _ = super::rules::RemindRules::shipped();
        let _ = super::rules::ImportRules::shipped();
        let _ = super::risk::RiskRules::shipped();
        let _ = super::launch::LaunchRules::shipped();
    }
}
