//! Text: normalisation into hashed tokens, and segmentation into paragraphs
//! and lines with byte spans into the original text.

pub mod normalize;
pub mod segment;

pub use normalize::{is_unspaced_script, Hashes, TokenSink, Tokenizer, Tokens};
pub use segment::{segment, Segment};
