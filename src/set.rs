//! The set type of every access field (modules, languages, questionnaires, channels).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Borrow;

/// An ordered set kept as a sorted vector without repeats.
///
/// The sets of this domain hold a handful of short ids. A vector is as fast as a B-tree at that
/// size, serializes as the same sorted JSON array, and one generic type over a vector adds a
/// fraction of the code that a B-tree per element type adds to the browser package.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SortedSet<T>(Vec<T>);

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        SortedSet(Vec::new())
    }
}

impl<T: Ord> SortedSet<T> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value`; `false` if it was already there.
    pub fn insert(&mut self, value: T) -> bool {
        match self.0.binary_search(&value) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, value);
                true
            }
        }
    }

    /// Whether `value` is in the set.
    pub fn contains<Q: Ord + ?Sized>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.0.binary_search_by(|x| x.borrow().cmp(value)).is_ok()
    }

    /// Whether every element of `self` is in `other`: one walk over both sorted vectors.
    pub fn is_subset(&self, other: &Self) -> bool {
        let mut rest = other.0.iter();
        self.0.iter().all(|x| rest.any(|y| y == x))
    }
}

impl<T> SortedSet<T> {
    /// The elements, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    /// How many elements.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The elements as a sorted slice.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }
}

impl<T: Ord> FromIterator<T> for SortedSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut set = SortedSet::new();
        set.extend(items);
        set
    }
}

impl<T: Ord> Extend<T> for SortedSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        // Insertion keeps one code path (no sort to instantiate per element type); these sets
        // are small.
        for item in items {
            self.insert(item);
        }
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for SortedSet<T> {
    fn from(items: [T; N]) -> Self {
        items.into_iter().collect()
    }
}

impl<T> IntoIterator for SortedSet<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a SortedSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: Serialize> Serialize for SortedSet<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Reads any array, in any order, with repeats: stored rows written by older code stay readable.
impl<'de, T: Ord + Deserialize<'de>> Deserialize<'de> for SortedSet<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<T>::deserialize(deserializer).map(SortedSet::from_iter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_as_an_ordered_set() {
        let mut set = SortedSet::from(["b", "a", "c", "a"]);
        assert_eq!(set.as_slice(), ["a", "b", "c"]);
        assert!(!set.insert("b") && set.insert("0"));
        assert_eq!(set.iter().copied().collect::<String>(), "0abc");
        assert!(set.contains("c") && !set.contains("d"));
        assert!(SortedSet::from(["a", "c"]).is_subset(&set));
        assert!(!SortedSet::from(["a", "d"]).is_subset(&set));
        assert!(SortedSet::<u8>::new().is_subset(&SortedSet::new()));
        assert_eq!(set.len(), 4);
    }

    #[test]
    fn serializes_like_a_btree_set_and_reads_unsorted_arrays() {
        let btree = std::collections::BTreeSet::from([3, 1, 2]);
        let ours: SortedSet<u8> = serde_json::from_str("[3,1,2,1]").unwrap_or_default();
        assert_eq!(
            serde_json::to_string(&ours).ok(),
            serde_json::to_string(&btree).ok()
        );
        assert_eq!(ours.as_slice(), [1, 2, 3]);
    }
}
