//! PostgreSQL's binary `COPY` format, for the rows of numbers metric values are: sent
//! and read as big-endian integers and IEEE doubles, so neither side formats or parses
//! a number as text (float text was the largest cost of both directions).
//!
//! The format: an 11-byte signature, a flags word and a header-extension length; then
//! each row as its field count (16 bits) and each field as its length (32 bits) and
//! bytes; then a count of -1.

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";
const HEADER_LEN: usize = 11 + 4 + 4;

/// One field of a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field {
    Int4(i32),
    Int8(i64),
    Float8(f64),
}

/// Rows written out in the binary format, into a buffer the caller sends on.
#[derive(Debug, Default)]
pub struct BinaryWriter {
    pub buffer: Vec<u8>,
}

impl BinaryWriter {
    /// A writer with the format's header already in its buffer.
    pub fn new(capacity: usize) -> BinaryWriter {
        let mut buffer = Vec::with_capacity(capacity);
        buffer.extend_from_slice(SIGNATURE);
        buffer.extend_from_slice(&0u32.to_be_bytes());
        buffer.extend_from_slice(&0u32.to_be_bytes());
        BinaryWriter { buffer }
    }

    pub fn row(&mut self, fields: &[Field]) {
        self.buffer.extend_from_slice(&(fields.len() as i16).to_be_bytes());
        for field in fields {
            match *field {
                Field::Int4(v) => {
                    self.buffer.extend_from_slice(&4i32.to_be_bytes());
                    self.buffer.extend_from_slice(&v.to_be_bytes());
                }
                Field::Int8(v) => {
                    self.buffer.extend_from_slice(&8i32.to_be_bytes());
                    self.buffer.extend_from_slice(&v.to_be_bytes());
                }
                Field::Float8(v) => {
                    self.buffer.extend_from_slice(&8i32.to_be_bytes());
                    self.buffer.extend_from_slice(&v.to_bits().to_be_bytes());
                }
            }
        }
    }

    /// The end of the rows.
    pub fn finish(&mut self) {
        self.buffer.extend_from_slice(&(-1i16).to_be_bytes());
    }
}

/// What the binary stream held that this reader cannot take.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BinaryError {
    #[error("the COPY stream does not begin with PostgreSQL's binary signature")]
    Signature,
    #[error("a COPY row has {found} fields where {expected} were asked for")]
    FieldCount { expected: usize, found: i16 },
    #[error("a COPY field is {found} bytes where {expected} were expected")]
    FieldLength { expected: usize, found: i32 },
    #[error("the COPY stream ended inside a row")]
    Truncated,
}

/// Reads rows of `N` fixed-width, non-null fields from chunks as they arrive: a row cut
/// between two chunks waits in `carry` for the rest.
#[derive(Debug)]
pub struct BinaryReader<const N: usize> {
    /// Each field's width in bytes: 4 for an `integer`, 8 for a `bigint` or `double`.
    widths: [usize; N],
    carry: Vec<u8>,
    header_read: bool,
    ended: bool,
}

impl<const N: usize> BinaryReader<N> {
    pub fn new(widths: [usize; N]) -> BinaryReader<N> {
        BinaryReader {
            widths,
            carry: Vec::new(),
            header_read: false,
            ended: false,
        }
    }

    fn row_len(&self) -> usize {
        2 + self.widths.iter().map(|w| 4 + w).sum::<usize>()
    }

    /// Hands each complete row in `chunk` (after what was carried) to `each`, as the
    /// fields' raw big-endian bytes.
    pub fn feed(&mut self, chunk: &[u8], mut each: impl FnMut([&[u8]; N])) -> Result<(), BinaryError> {
        let mut data = chunk;
        if !self.carry.is_empty() {
            // Complete the carried record from the front of this chunk: no record is
            // longer than the header or a row.
            let carried = self.carry.len();
            let take = (HEADER_LEN.max(self.row_len()) - carried).min(data.len());
            let mut carry = std::mem::take(&mut self.carry);
            carry.extend_from_slice(&data[..take]);
            match self.record(&carry, &mut each)? {
                Some(used) => data = &data[used - carried..],
                None => {
                    self.carry = carry;
                    return Ok(());
                }
            }
        }
        while !self.ended {
            match self.record(data, &mut each)? {
                Some(used) => data = &data[used..],
                None => {
                    self.carry.extend_from_slice(data);
                    break;
                }
            }
        }
        Ok(())
    }

    /// Reads the record `bytes` begin with (the header, a row or the end), and how
    /// many bytes it took; `None` when it is not all there yet.
    fn record(&mut self, bytes: &[u8], each: &mut impl FnMut([&[u8]; N])) -> Result<Option<usize>, BinaryError> {
        if !self.header_read {
            if bytes.len() < HEADER_LEN {
                return Ok(None);
            }
            if !bytes.starts_with(SIGNATURE) {
                return Err(BinaryError::Signature);
            }
            self.header_read = true;
            return Ok(Some(HEADER_LEN));
        }
        if bytes.len() < 2 {
            return Ok(None);
        }
        let count = i16::from_be_bytes([bytes[0], bytes[1]]);
        if count == -1 {
            self.ended = true;
            return Ok(Some(2));
        }
        if count as usize != N {
            return Err(BinaryError::FieldCount {
                expected: N,
                found: count,
            });
        }
        let row_len = self.row_len();
        if bytes.len() < row_len {
            return Ok(None);
        }
        let mut at = 2;
        let mut fields: [&[u8]; N] = [&[]; N];
        for (field, &width) in fields.iter_mut().zip(&self.widths) {
            let length = i32::from_be_bytes(bytes[at..at + 4].try_into().expect("four bytes"));
            if length < 0 || length as usize != width {
                return Err(BinaryError::FieldLength {
                    expected: width,
                    found: length,
                });
            }
            *field = &bytes[at + 4..at + 4 + width];
            at += 4 + width;
        }
        each(fields);
        Ok(Some(row_len))
    }

    /// The stream is over: it must have ended cleanly.
    pub fn finish(self) -> Result<(), BinaryError> {
        if self.ended {
            Ok(())
        } else {
            Err(BinaryError::Truncated)
        }
    }
}

pub fn int4(bytes: &[u8]) -> i32 {
    i32::from_be_bytes(bytes.try_into().expect("four bytes"))
}

pub fn float8(bytes: &[u8]) -> f64 {
    f64::from_bits(u64::from_be_bytes(bytes.try_into().expect("eight bytes")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(rows: &[(i32, i32, f64)]) -> Vec<u8> {
        let mut writer = BinaryWriter::new(0);
        for &(a, b, v) in rows {
            writer.row(&[Field::Int4(a), Field::Int4(b), Field::Float8(v)]);
        }
        writer.finish();
        writer.buffer
    }

    fn read_in_chunks(bytes: &[u8], size: usize) -> Result<Vec<(i32, i32, f64)>, BinaryError> {
        let mut reader = BinaryReader::new([4, 4, 8]);
        let mut rows = Vec::new();
        for chunk in bytes.chunks(size) {
            reader.feed(chunk, |[a, b, v]| rows.push((int4(a), int4(b), float8(v))))?;
        }
        reader.finish()?;
        Ok(rows)
    }

    #[test]
    fn rows_written_are_read_back_whatever_the_chunks() {
        let rows = vec![
            (202610, 1, 0.5),
            (202610, 2, -0.0),
            (202611, 70000, 1e300),
            (1, -1, f64::MIN_POSITIVE),
        ];
        let bytes = written(&rows);
        // Every chunk size, down to a byte at a time: rows and the header cut anywhere.
        for size in 1..=bytes.len() {
            let read = read_in_chunks(&bytes, size).expect("a clean stream");
            assert_eq!(read.len(), rows.len(), "chunks of {size}");
            for (got, want) in read.iter().zip(&rows) {
                assert_eq!((got.0, got.1, got.2.to_bits()), (want.0, want.1, want.2.to_bits()));
            }
        }
    }

    #[test]
    fn a_stream_cut_short_or_of_another_shape_is_an_error() {
        let bytes = written(&[(202610, 1, 0.5), (202610, 2, 1.5)]);
        assert_eq!(
            read_in_chunks(&bytes[..bytes.len() - 2], 7),
            Err(BinaryError::Truncated)
        );
        assert_eq!(read_in_chunks(&bytes[..30], 64), Err(BinaryError::Truncated));
        assert_eq!(
            read_in_chunks(b"COPY text, not binary", 64),
            Err(BinaryError::Signature)
        );
        let mut wide = BinaryWriter::new(0);
        wide.row(&[Field::Int4(1), Field::Int8(2), Field::Float8(3.0)]);
        wide.finish();
        assert_eq!(
            read_in_chunks(&wide.buffer, 64),
            Err(BinaryError::FieldLength { expected: 4, found: 8 })
        );
        let mut short = BinaryWriter::new(0);
        short.row(&[Field::Int4(1), Field::Float8(3.0)]);
        short.finish();
        assert_eq!(
            read_in_chunks(&short.buffer, 64),
            Err(BinaryError::FieldCount { expected: 3, found: 2 })
        );
    }
}
