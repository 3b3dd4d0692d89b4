//! A catalog kept for later (a branch's merge base, a deploy's schema before): MessagePack
//! with field names (so fields added later read back with their defaults), gzipped.
use super::model::Catalog;
use crate::error::{ApiError, Result};
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use std::io::{Read, Write};

pub fn encode(cat: &Catalog) -> Result<Vec<u8>> {
    let packed = rmp_serde::to_vec_named(cat)
        .map_err(|e| ApiError::internal(format!("encoding a schema: {e}")))?;
    let mut gz = GzEncoder::new(Vec::with_capacity(packed.len() / 4), Compression::fast());
    gz.write_all(&packed)?;
    Ok(gz.finish()?)
}

pub fn decode(bytes: &[u8]) -> Result<Catalog> {
    let mut packed = Vec::with_capacity(bytes.len() * 6);
    GzDecoder::new(bytes).read_to_end(&mut packed)?;
    rmp_serde::from_slice(&packed)
        .map_err(|e| ApiError::internal(format!("reading a stored schema: {e}")))
}
