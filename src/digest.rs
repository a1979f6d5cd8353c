//! Content digests: the SHA-256 that names a scenario file in run.json and merge checks, and
//! that a shard's state carries so that a damaged or edited part is detected.

/// The SHA-256 of `bytes` as 64 lowercase hexadecimal digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
