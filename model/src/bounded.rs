//! [`BoundedVec`]: a vector with a capacity fixed at compile time and no heap allocation.
//!
//! The model uses it instead of `Vec` so that every collection, and every loop over one, has a
//! bound Kani can unwind.

use core::fmt;

/// A vector of at most `N` items stored inline.
///
/// Slots past `len` hold `T::default()` and are never observable: equality, hashing, iteration
/// and serialization look only at the first `len` items.
#[derive(Clone, Copy)]
pub struct BoundedVec<T, const N: usize> {
    items: [T; N],
    len: usize,
}

/// The error of pushing onto a full [`BoundedVec`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapacityError {
    /// The capacity that was exceeded.
    pub capacity: usize,
}

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "more than {} items", self.capacity)
    }
}

impl core::error::Error for CapacityError {}

impl<T: Default, const N: usize> BoundedVec<T, N> {
    /// An empty vector.
    pub fn new() -> Self {
        Self { items: core::array::from_fn(|_| T::default()), len: 0 }
    }

    /// Appends `item`, or returns it back with an error when the vector is full.
    pub fn push(&mut self, item: T) -> Result<(), CapacityError> {
        if self.len == N {
            return Err(CapacityError { capacity: N });
        }
        self.items[self.len] = item;
        self.len += 1;
        Ok(())
    }

    /// Builds a vector from an iterator, failing if it yields more than `N` items.
    pub fn try_from_iter(iter: impl IntoIterator<Item = T>) -> Result<Self, CapacityError> {
        let mut out = Self::new();
        for item in iter {
            out.push(item)?;
        }
        Ok(out)
    }
}

impl<T, const N: usize> BoundedVec<T, N> {
    /// The capacity `N`.
    pub const CAPACITY: usize = N;

    /// The number of items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The items as a slice.
    pub fn as_slice(&self) -> &[T] {
        &self.items[..self.len]
    }

    /// The items as a mutable slice.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.items[..self.len]
    }

    /// An iterator over the items.
    pub fn iter(&self) -> core::slice::Iter<'_, T> {
        self.as_slice().iter()
    }

    /// The item at `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&T> {
        self.as_slice().get(index)
    }

    /// Removes the item at `index`, shifting the later ones down.
    ///
    /// # Panics
    /// If `index >= len`.
    pub fn remove(&mut self, index: usize) -> T
    where
        T: Default,
    {
        assert!(index < self.len, "remove index {index} out of bounds (len {})", self.len);
        let item = core::mem::take(&mut self.items[index]);
        self.items[index..self.len].rotate_left(1);
        self.len -= 1;
        item
    }
}

impl<T: Default, const N: usize> Default for BoundedVec<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: PartialEq, const N: usize> PartialEq for BoundedVec<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Eq, const N: usize> Eq for BoundedVec<T, N> {}

impl<T: core::hash::Hash, const N: usize> core::hash::Hash for BoundedVec<T, N> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for BoundedVec<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a BoundedVec<T, N> {
    type Item = &'a T;
    type IntoIter = core::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T, const N: usize> core::ops::Deref for BoundedVec<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: serde::Serialize, const N: usize> serde::Serialize for BoundedVec<T, N> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.as_slice())
    }
}

impl<'de, T: serde::Deserialize<'de> + Default, const N: usize> serde::Deserialize<'de>
    for BoundedVec<T, N>
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<T>::deserialize(deserializer)?;
        let found = items.len();
        Self::try_from_iter(items).map_err(|_| {
            serde::de::Error::custom(format_args!("at most {N} items are allowed, found {found}"))
        })
    }
}

#[cfg(kani)]
impl<T: kani::Arbitrary + Default, const N: usize> kani::Arbitrary for BoundedVec<T, N> {
    fn any() -> Self {
        let len: usize = kani::any();
        // Slots past `len` are never observed, so any contents are as good as defaults.
        kani::assume(len <= N);
        Self { items: kani::any(), len }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_stops_at_capacity() {
        let mut v = BoundedVec::<u8, 2>::new();
        assert_eq!(v.push(1), Ok(()));
        assert_eq!(v.push(2), Ok(()));
        assert_eq!(v.push(3), Err(CapacityError { capacity: 2 }));
        assert_eq!(v.as_slice(), &[1, 2]);
    }

    #[test]
    fn equality_ignores_slots_past_len() {
        let mut a = BoundedVec::<u8, 3>::try_from_iter([1, 2, 3]).unwrap();
        a.remove(2);
        let b = BoundedVec::<u8, 3>::try_from_iter([1, 2]).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn remove_shifts_later_items_down() {
        let mut v = BoundedVec::<u8, 4>::try_from_iter([1, 2, 3]).unwrap();
        assert_eq!(v.remove(0), 1);
        assert_eq!(v.as_slice(), &[2, 3]);
    }

    #[test]
    fn deserializing_too_many_items_names_the_bound() {
        let err = serde_json::from_str::<BoundedVec<u8, 2>>("[1,2,3]").unwrap_err();
        assert!(err.to_string().contains("at most 2 items are allowed, found 3"), "{err}");
    }
}
