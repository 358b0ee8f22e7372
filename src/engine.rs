//! Stub: to be written. The synchronous engine: parse → aggregate → detect.
