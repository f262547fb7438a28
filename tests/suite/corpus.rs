//! Placeholder module list entry; filled below.
