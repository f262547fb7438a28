//! Identifier texts held in one arena per table: 文书编号, 文件编号 and 活动编号 are read
//! for tens of millions of rows in a province-year, and a heap string per row would cost
//! an allocation, a 16-byte pointer and the allocator's rounding each (some 450 MB at
//! that scale). A row holds an 8-byte [`Text`] instead; [`Texts`] resolves it.

use super::Table;
use std::num::NonZeroU64;

/// Bits of a [`Text`] holding the start offset (128 GiB per table).
const START_BITS: u32 = 37;
/// Bits holding the table.
const TABLE_BITS: u32 = 3;
/// Longest text a [`Text`] can refer to (16 MiB less two bytes); ingest cuts a longer
/// cell at a character boundary and reports it.
pub const MAX_TEXT_BYTES: usize = (1 << (64 - START_BITS - TABLE_BITS)) - 2;

/// A text in its table's arena: start, table and length + 1 packed in a non-zero
/// `u64`, so that `Option<Text>` is 8 bytes too. Two `Text`s are not comparable: compare
/// the strings [`Texts::get`] gives.
#[derive(Clone, Copy, Debug)]
pub struct Text(NonZeroU64);

impl Text {
    /// The text of `len` bytes at `start` of `table`'s arena (`len` at most
    /// [`MAX_TEXT_BYTES`], `start` under 128 GiB; larger values are clamped).
    pub fn new(table: Table, start: usize, len: usize) -> Text {
        let start = (start as u64).min((1 << START_BITS) - 1);
        let len = len.min(MAX_TEXT_BYTES) as u64;
        let packed = start | (table as u64) << START_BITS | (len + 1) << (START_BITS + TABLE_BITS);
        Text(NonZeroU64::new(packed).expect("the length field is at least one"))
    }

    fn start(self) -> usize {
        (self.0.get() & ((1 << START_BITS) - 1)) as usize
    }

    fn table(self) -> usize {
        ((self.0.get() >> START_BITS) & ((1 << TABLE_BITS) - 1)) as usize
    }

    fn len(self) -> usize {
        (self.0.get() >> (START_BITS + TABLE_BITS)) as usize - 1
    }

    /// The same text after `by` bytes were put before it in its arena (a piece's arena
    /// appended to the table's).
    pub fn shifted(self, by: usize) -> Text {
        Text(
            NonZeroU64::new(self.0.get() + by as u64)
                .expect("adding to a non-zero value keeps it non-zero"),
        )
    }
}

/// The arenas of the six tables, in [`Table::ALL`] order.
#[derive(Debug, Default)]
pub struct Texts([String; 6]);

impl Texts {
    /// Hand a table its arena.
    pub fn set(&mut self, table: Table, arena: String) {
        self.0[table as usize] = arena;
    }

    /// The string a [`Text`] refers to.
    pub fn get(&self, t: Text) -> &str {
        let start = t.start();
        // A `Text` is made by ingest for its own table's arena, on character boundaries;
        // a foreign one reads as empty rather than panicking.
        self.0[t.table()]
            .get(start..start + t.len())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_and_resolves() {
        let mut texts = Texts::default();
        let docs = "丰市监罚〔2023〕1号-01A";
        texts.set(Table::Documents, docs.to_string());
        texts.set(Table::Media, "MF01ZF02".to_string());
        let a = Text::new(Table::Documents, 0, "丰市监罚〔2023〕1号-01".len());
        let b = Text::new(Table::Media, 4, 4);
        assert_eq!(texts.get(a), "丰市监罚〔2023〕1号-01");
        assert_eq!(texts.get(b), "ZF02");
        assert_eq!(texts.get(Text::new(Table::Media, 0, 4).shifted(4)), "ZF02");
        assert_eq!(texts.get(Text::new(Table::Media, 8, 0)), "");
        assert_eq!(std::mem::size_of::<Option<Text>>(), 8);
        let far = Text::new(Table::Access, (1 << 37) - 1, MAX_TEXT_BYTES);
        assert_eq!(
            (far.start(), far.table(), far.len()),
            ((1 << 37) - 1, 5, MAX_TEXT_BYTES)
        );
    }
}
