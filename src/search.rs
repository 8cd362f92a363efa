//! Member search: fuzzy, pinyin and initials (being written).
