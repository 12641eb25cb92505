//! Which character encoding a file is written in, and its bytes turned into
//! UTF-8 as they stream in.
//!
//! Decided once, from the first block (the same block the delimiter is
//! detected from): a byte order mark (UTF-8, UTF-16 LE/BE) says it; a block
//! that is valid UTF-8 is UTF-8 (a character cut by the block's end is not
//! held against it); UTF-16 without a mark shows as NULs on every other
//! byte; anything else is a guess by `chardetng` (the detector Firefox
//! uses), typically EUC-KR (which `encoding_rs` reads as Windows-949, i.e.
//! CP949, a superset), Shift_JIS, GBK/GB18030 or Windows-1252. A caller's
//! `encoding` option overrides all of it.
//!
//! A UTF-8 file is never decoded: its bytes go to the parser as they are
//! (today's path, no copy). Any other encoding goes through an
//! `encoding_rs` decoder that keeps the state of a character cut between two
//! chunks, so chunk boundaries can fall anywhere.
//!
//! What must change with it: the parser only ever sees UTF-8, so byte
//! offsets after decoding are not file offsets. A sharded load
//! ([`super::range`]) therefore reads a file in another encoding in its
//! first range alone (the other ranges take no records): a range cut inside
//! a two-byte character never has to be mended.

use encoding_rs::{Decoder, DecoderResult, Encoding, UTF_16BE, UTF_16LE, UTF_8};

use crate::error::{QuiverError, Result};

/// What [`detect`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detected {
    pub encoding: &'static Encoding,
    /// No byte order mark and not valid UTF-8: a statistical guess.
    pub guessed: bool,
    /// Length of the byte order mark to skip (0: none).
    pub bom: usize,
}

/// The encoding named by `label` (WHATWG labels: `utf-8`, `cp949`,
/// `euc-kr`, `shift_jis`, `gb18030`, `windows-1252`, `latin1`, `utf-16le` …).
pub fn for_label(label: &str) -> Result<&'static Encoding> {
    // Windows code page names people use that are not WHATWG labels.
    let label = match label.trim().to_ascii_lowercase().as_str() {
        "cp949" | "uhc" | "ms949" => "euc-kr".to_string(),
        "cp932" | "ms932" => "shift_jis".to_string(),
        "cp936" | "ms936" => "gbk".to_string(),
        other => other.to_string(),
    };
    Encoding::for_label(label.as_bytes()).ok_or_else(|| QuiverError::InvalidOption {
        option: "encoding".into(),
        reason: format!("{label:?} is not an encoding this reader knows (try \"utf-8\", \"cp949\", \"shift_jis\", \"gb18030\", \"windows-1252\", \"utf-16le\")"),
    })
}

/// The byte order mark at the start of `block` that belongs to `encoding`.
pub fn bom_of(block: &[u8], encoding: &'static Encoding) -> usize {
    match Encoding::for_bom(block) {
        Some((e, len)) if e == encoding => len,
        _ => 0,
    }
}

/// The encoding of a file whose first bytes are `block` (`complete`: the
/// whole file).
pub fn detect(block: &[u8], complete: bool) -> Detected {
    if let Some((encoding, bom)) = Encoding::for_bom(block) {
        return Detected { encoding, guessed: false, bom };
    }
    // Before UTF-8: ASCII text in UTF-16 is valid UTF-8 (NULs included).
    // Valid UTF-8 with a character beyond ASCII is UTF-8, NULs or not (the
    // export of a name like "Å\0" read back as UTF-16: found by fuzzing).
    let utf8 = is_utf8(block, complete);
    let beyond_ascii = block.iter().any(|b| !b.is_ascii());
    if !(utf8 && beyond_ascii) {
        if let Some(encoding) = utf16_without_bom(block) {
            return Detected { encoding, guessed: true, bom: 0 };
        }
    }
    if utf8 {
        return Detected { encoding: UTF_8, guessed: false, bom: 0 };
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(block, complete);
    Detected { encoding: detector.guess(None, false), guessed: true, bom: 0 }
}

/// Valid UTF-8, allowing a character cut by the end of an incomplete block.
fn is_utf8(block: &[u8], complete: bool) -> bool {
    match std::str::from_utf8(block) {
        Ok(_) => true,
        // `error_len() == None`: the input ended inside a character.
        Err(e) => !complete && e.error_len().is_none() && block.len() - e.valid_up_to() < 4,
    }
}

/// ASCII-heavy UTF-16 without a byte order mark: NULs on one parity only,
/// and a line break that is a whole code unit.
fn utf16_without_bom(block: &[u8]) -> Option<&'static Encoding> {
    let half = block.len() / 2;
    if half < 2 {
        return None;
    }
    let nul_at = |parity: usize| block.iter().skip(parity).step_by(2).filter(|&&b| b == 0).count();
    let (even, odd) = (nul_at(0), nul_at(1));
    // A line break as a UTF-16 code unit, on the code-unit boundaries: UTF-8
    // text that merely holds NULs (a CSV export of such values) has its
    // line breaks anywhere (found by fuzzing: a 4-byte export read back as
    // UTF-16 changed its column name).
    // And enough of them to be evidence: a few bytes are ambiguous.
    if even.max(odd) < 4 {
        return None;
    }
    let line_break = |le: bool| block.chunks_exact(2).any(|unit| if le { unit == b"\n\0" } else { unit == b"\0\n" });
    if odd * 10 >= half * 4 && even * 20 < half && line_break(true) {
        Some(UTF_16LE)
    } else if even * 10 >= half * 4 && odd * 20 < half && line_break(false) {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// How the app names an encoding: its WHATWG name and, for the ones people
/// meet in exports, what it is.
pub fn describe(encoding: &'static Encoding) -> String {
    let what = match encoding.name() {
        "EUC-KR" => " (CP949, Korean)",
        "Shift_JIS" | "EUC-JP" | "ISO-2022-JP" => " (Japanese)",
        "GBK" | "gb18030" => " (Chinese, simplified)",
        "Big5" => " (Chinese, traditional)",
        "windows-1252" => " (Western European)",
        "windows-1251" | "KOI8-R" | "KOI8-U" | "IBM866" => " (Cyrillic)",
        "windows-1250" | "ISO-8859-2" => " (Central European)",
        _ => "",
    };
    format!("{}{what}", encoding.name())
}

/// A streaming decoder into UTF-8 that reuses its output buffer.
pub struct Decode {
    decoder: Decoder,
    encoding: &'static Encoding,
    out: Vec<u8>,
    /// Replacement characters written for bytes that were not text in the
    /// encoding.
    pub replaced: u64,
    ended: bool,
}

impl Decode {
    pub fn new(encoding: &'static Encoding) -> Self {
        Decode { decoder: encoding.new_decoder_without_bom_handling(), encoding, out: Vec::new(), replaced: 0, ended: false }
    }

    pub fn encoding(&self) -> &'static Encoding {
        self.encoding
    }

    /// Whether the end of the input was decoded (`last` given once).
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// `input` as UTF-8; a character cut at its end is kept for the next
    /// call, and `last` ends the stream (a cut character becomes U+FFFD).
    pub fn decode(&mut self, input: &[u8], last: bool) -> &[u8] {
        self.ended |= last;
        self.out.clear();
        let mut input = input;
        loop {
            let room = self.decoder.max_utf8_buffer_length_without_replacement(input.len()).unwrap_or(input.len() * 3 + 16);
            let start = self.out.len();
            self.out.resize(start + room.max(16), 0);
            let (result, read, written) =
                self.decoder.decode_to_utf8_without_replacement(input, &mut self.out[start..], last);
            self.out.truncate(start + written);
            input = &input[read..];
            match result {
                DecoderResult::InputEmpty => break,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(_, _) => {
                    self.replaced += 1;
                    self.out.extend_from_slice("\u{FFFD}".as_bytes());
                }
            }
        }
        &self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{EUC_KR, GBK, SHIFT_JIS, WINDOWS_1252};

    fn encode(text: &str, encoding: &'static Encoding) -> Vec<u8> {
        if encoding == UTF_16LE {
            return text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        }
        if encoding == UTF_16BE {
            return text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        }
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable, "{text} in {}", encoding.name());
        bytes.into_owned()
    }

    const KOREAN: &str = "날짜,부서,금액\n2024-01-02,영업부,1500\n2024-01-03,인사부,2300\n2024-01-04,개발부,4100\n2024-01-05,총무부,900\n";
    const JAPANESE: &str = "日付,部署,金額\n2024-01-02,営業部,1500\n2024-01-03,人事部,2300\n2024-01-04,開発部,4100\n東京都,大阪府,名古屋市\n";
    const CHINESE: &str = "日期,部门,金额\n2024-01-02,销售部,1500\n2024-01-03,人事部,2300\n2024-01-04,开发部,4100\n北京市,上海市,广州市\n";
    const WESTERN: &str = "name,price,note\nCafé,€5,“quoted” naïve\nCrème brûlée,€7,déjà vu\nSmörgåsbord,€12,Größe\n";

    #[test]
    fn detects_the_encodings_of_exports() {
        for (text, encoding) in [(KOREAN, EUC_KR), (JAPANESE, SHIFT_JIS), (CHINESE, GBK), (WESTERN, WINDOWS_1252)] {
            let bytes = encode(text, encoding);
            let found = detect(&bytes, true);
            assert_eq!(found.encoding, encoding, "{text}");
            assert!(found.guessed);
        }
        let found = detect(KOREAN.as_bytes(), true);
        assert_eq!((found.encoding, found.guessed), (UTF_8, false));
    }

    #[test]
    fn byte_order_marks_decide() {
        let mut le = vec![0xFF, 0xFE];
        le.extend(encode("a\tb\n", UTF_16LE));
        assert_eq!(detect(&le, true), Detected { encoding: UTF_16LE, guessed: false, bom: 2 });
        let mut be = vec![0xFE, 0xFF];
        be.extend(encode("a\tb\n", UTF_16BE));
        assert_eq!(detect(&be, true), Detected { encoding: UTF_16BE, guessed: false, bom: 2 });
        assert_eq!(detect(b"\xEF\xBB\xBFa,b\n", true), Detected { encoding: UTF_8, guessed: false, bom: 3 });
        // Without a mark: guessed from the NULs.
        assert_eq!(detect(&encode("name,city\nAnn,Oslo\n", UTF_16LE), true).encoding, UTF_16LE);
        assert_eq!(detect(&encode("name,city\nAnn,Oslo\n", UTF_16BE), true).encoding, UTF_16BE);
        // UTF-8 that holds NULs is not UTF-16: its line break is not a code
        // unit (fuzz/regressions/ingest/export-nul-name: an exported header
        // "\u{4}\0\u{1a}" came back as "\u{4}ਚ").
        assert_eq!(detect(b"\x04\x00\x1a\n", true).encoding, UTF_8);
        assert_eq!(detect(b"\x04\x00\x1a\n\x05\x00\x1b\n", true).encoding, UTF_8);
        // Nor is UTF-8 with characters beyond ASCII (fuzz/regressions/ingest/
        // export-nul-name-2: "Å\0" came back as "쎅").
        assert_eq!(detect("Å\0\n".as_bytes(), true).encoding, UTF_8);
        assert_eq!(detect("Å\0\nÅ\0\nÅ\0\nÅ\0\nÅ\0\n".as_bytes(), true).encoding, UTF_8);
    }

    #[test]
    fn a_utf8_character_cut_by_the_block_end_is_still_utf8() {
        let text = "a,é".as_bytes();
        let cut = &text[..text.len() - 1];
        assert_eq!(detect(cut, false).encoding, UTF_8);
        assert_ne!(detect(cut, true).encoding, UTF_8, "the whole file cannot end inside a character");
    }

    #[test]
    fn decoding_is_the_same_at_every_split_offset() {
        for (text, encoding) in
            [(KOREAN, EUC_KR), (JAPANESE, SHIFT_JIS), (CHINESE, GBK), (WESTERN, WINDOWS_1252), (KOREAN, UTF_16LE), (KOREAN, UTF_16BE), ("a😀b,𝄞\n", UTF_16LE)]
        {
            let bytes = encode(text, encoding);
            for split in 0..=bytes.len() {
                for second in split..=bytes.len() {
                    let mut decode = Decode::new(encoding);
                    let mut out = decode.decode(&bytes[..split], false).to_vec();
                    out.extend_from_slice(decode.decode(&bytes[split..second], false));
                    out.extend_from_slice(decode.decode(&bytes[second..], true));
                    assert_eq!(String::from_utf8(out).unwrap(), text, "{} split at {split}, {second}", encoding.name());
                    assert_eq!(decode.replaced, 0);
                }
            }
        }
    }

    #[test]
    fn undecodable_bytes_are_replaced_and_counted() {
        // 0xFF is not a lead byte in EUC-KR; a lead byte at the end is cut.
        let mut decode = Decode::new(EUC_KR);
        let mut out = decode.decode(b"a\xFFb", false).to_vec();
        out.extend_from_slice(decode.decode(b"\xB0", true));
        assert_eq!(String::from_utf8(out).unwrap(), "a\u{FFFD}b\u{FFFD}");
        assert_eq!(decode.replaced, 2);
    }

    #[test]
    fn labels() {
        assert_eq!(for_label("cp949").unwrap(), EUC_KR);
        assert_eq!(for_label("latin1").unwrap(), WINDOWS_1252);
        assert_eq!(for_label(" UTF-16LE ").unwrap(), UTF_16LE);
        assert!(for_label("klingon").unwrap_err().to_string().contains("klingon"));
        assert_eq!(describe(EUC_KR), "EUC-KR (CP949, Korean)");
    }
}
