//! The catalogue: every rule of RULES.md, in catalogue order.

use super::RuleDef;
use super::{
    archive::*, decision::*, investigation::*, media::*, quality::*, service::*, start::*,
};

/// Every rule, in the order of RULES.md.
pub static RULES: &[&RuleDef] = &[
    &S01, &S02, &S03, &S04, &I01, &I02, &I03, &I04, &I05, &I06, &D01, &D02, &D03, &D04, &D05, &T01,
    &T02, &T03, &T04, &T05, &T06, &T07, &E01, &E02, &V01, &V02, &V03, &V04, &V05, &V06, &V07, &A01,
    &A02, &A03, &X01, &Q01, &Q02, &Q03, &Q04,
];

/// A rule by code.
pub fn find(code: &str) -> Option<&'static RuleDef> {
    RULES.iter().copied().find(|r| r.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_complete_and_unique() {
        let codes: Vec<&str> = RULES.iter().map(|r| r.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len(), "duplicate codes");
        assert_eq!(codes.len(), 39);
        for r in RULES {
            assert!(!r.title.is_empty());
            assert!(
                r.check_case.is_some() || r.check_bundle.is_some(),
                "{} checks nothing",
                r.code
            );
        }
    }
}
