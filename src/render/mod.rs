//! Kustomizations rendered natively: what `kubectl kustomize DIR` would print, as trees whose
//! every node remembers the file and bytes that wrote it.

pub mod tree;
