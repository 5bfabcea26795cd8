//! The bundled word lists (languages, time zones, common passwords), looked up by binary search.

use std::sync::OnceLock;

/// A list of one word a line, kept sorted (byte order, no repeats: a test checks every bundled
/// file), indexed on first use. A linear scan of the 600 time zones cost most of the add-user
/// form's time.
pub(crate) struct WordList {
    text: &'static str,
    sorted: OnceLock<Vec<&'static str>>,
}

impl WordList {
    /// A list over `text`, one word a line, sorted.
    pub(crate) const fn new(text: &'static str) -> Self {
        WordList {
            text,
            sorted: OnceLock::new(),
        }
    }

    fn sorted(&self) -> &[&'static str] {
        self.sorted.get_or_init(|| self.all().collect())
    }

    /// The list's own copy of `word`, if it holds it.
    pub(crate) fn get(&self, word: &str) -> Option<&'static str> {
        let sorted = self.sorted();
        sorted
            .binary_search(&word)
            .ok()
            .and_then(|i| sorted.get(i).copied())
    }

    /// Whether it holds `word`.
    pub(crate) fn contains(&self, word: &str) -> bool {
        self.get(word).is_some()
    }

    /// Every word, in order.
    pub(crate) fn all(&self) -> impl Iterator<Item = &'static str> {
        self.text.lines().filter(|w| !w.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_the_listed_words() {
        let list = WordList::new("a\nb\n\nc\n");
        assert!(list.contains("a") && list.contains("b") && list.contains("c"));
        assert!(!list.contains("") && !list.contains("d") && !list.contains("A"));
        assert_eq!(list.all().collect::<Vec<_>>(), ["a", "b", "c"]);
    }

    #[test]
    fn every_bundled_list_is_sorted_without_repeats() {
        for (name, text) in [
            ("languages", include_str!("data/languages.txt")),
            ("time zones", include_str!("data/time_zones.txt")),
            (
                "common passwords",
                include_str!("data/common_passwords.txt"),
            ),
        ] {
            let words: Vec<_> = WordList::new(text).all().collect();
            assert!(words.len() > 100, "{name}");
            assert!(
                words.windows(2).all(|w| w[0] < w[1]),
                "{name} is not sorted"
            );
            let list = WordList::new(text);
            assert!(words.iter().all(|w| list.contains(w)), "{name}");
        }
    }
}
