//! The compact encoding of one series' samples over a span (a "block"): timestamps as
//! delta-of-delta and values quantized to the metric's resolution as deltas, both as zigzag
//! varints. A regular 30 s series of a steady value costs about 2 bytes per sample; values
//! that do not fit the resolution (non-finite, huge) make the block fall back to plain
//! 8-byte floats, so nothing is ever mangled.

/// Why a block could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sample block is corrupt: {0}")]
pub struct CorruptBlock(pub &'static str);

/// Format versions (the first byte).
const QUANTIZED: u8 = 1;
const PLAIN: u8 = 2;

/// Encodes `points` (sorted by time, unix seconds) with values rounded to multiples of
/// `quantum` (e.g. 0.01 for a percentage, 1 for bytes).
pub fn encode(points: &[(i64, f64)], quantum: f64) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * 3 + 16);
    let q: Option<Vec<i64>> = (quantum > 0.0 && quantum.is_finite())
        .then(|| points.iter().map(|&(_, v)| quantize(v, quantum)).collect())
        .flatten();
    out.push(if q.is_some() { QUANTIZED } else { PLAIN });
    put_varint(&mut out, points.len() as u64);
    if q.is_some() {
        out.extend_from_slice(&quantum.to_le_bytes());
    }
    let (mut prev_t, mut prev_d) = (0i64, 0i64);
    for (i, &(t, _)) in points.iter().enumerate() {
        let d = if i == 0 { t } else { t - prev_t };
        put_varint(&mut out, zigzag(if i == 0 { d } else { d - prev_d }));
        if i > 0 {
            prev_d = d;
        }
        prev_t = t;
    }
    match q {
        Some(q) => {
            let mut prev = 0i64;
            for v in q {
                put_varint(&mut out, zigzag(v.wrapping_sub(prev)));
                prev = v;
            }
        }
        None => points.iter().for_each(|&(_, v)| out.extend_from_slice(&v.to_le_bytes())),
    }
    out
}

/// Decodes a block made by `encode`.
pub fn decode(block: &[u8]) -> Result<Vec<(i64, f64)>, CorruptBlock> {
    let mut r = Reader { buf: block, at: 0 };
    let version = r.byte()?;
    let n = usize::try_from(r.varint()?).map_err(|_| CorruptBlock("count"))?;
    if n > block.len() * 8 {
        return Err(CorruptBlock("count larger than the block can hold"));
    }
    let quantum = match version {
        QUANTIZED => {
            f64::from_le_bytes(r.take(8)?.try_into().map_err(|_| CorruptBlock("quantum"))?)
        }
        PLAIN => 0.0,
        _ => return Err(CorruptBlock("unknown version")),
    };
    let mut times = Vec::with_capacity(n);
    let (mut t, mut d) = (0i64, 0i64);
    for i in 0..n {
        let v = unzigzag(r.varint()?);
        if i == 0 {
            t = v;
        } else {
            d = d.wrapping_add(v);
            t = t.wrapping_add(d);
        }
        times.push(t);
    }
    let mut out = Vec::with_capacity(n);
    let mut prev = 0i64;
    for t in times {
        let v = if version == QUANTIZED {
            prev = prev.wrapping_add(unzigzag(r.varint()?));
            prev as f64 * quantum
        } else {
            f64::from_le_bytes(r.take(8)?.try_into().map_err(|_| CorruptBlock("value"))?)
        };
        out.push((t, v));
    }
    if r.at != block.len() {
        return Err(CorruptBlock("trailing bytes"));
    }
    Ok(out)
}

/// `v` in units of `quantum`, if it is finite and exactly representable after rounding.
fn quantize(v: f64, quantum: f64) -> Option<i64> {
    let q = (v / quantum).round();
    (q.is_finite() && q.abs() < 9.0e15).then_some(q as i64)
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, CorruptBlock> {
        let b = *self.buf.get(self.at).ok_or(CorruptBlock("truncated"))?;
        self.at += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&[u8], CorruptBlock> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or(CorruptBlock("truncated"))?;
        let s = &self.buf[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn varint(&mut self) -> Result<u64, CorruptBlock> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(CorruptBlock("varint too long"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_steady_series_costs_about_two_bytes_a_sample() {
        let pts: Vec<_> = (0..120).map(|i| (1_764_000_000 + 30 * i, 42.5)).collect();
        let b = encode(&pts, 0.01);
        assert!(b.len() <= 2 * pts.len() + 20, "{} bytes", b.len());
        assert_eq!(decode(&b).unwrap(), pts);
    }

    #[test]
    fn values_round_trip_to_their_resolution_and_odd_ones_exactly() {
        let mut rng = fastrand::Rng::with_seed(7);
        let pts: Vec<_> = (0..500)
            .map(|i| (1_764_000_000 + 30 * i + rng.i64(-2..3), rng.f64() * 100.0))
            .collect();
        let back = decode(&encode(&pts, 0.01)).unwrap();
        for ((t, v), (bt, bv)) in pts.iter().zip(&back) {
            assert_eq!(t, bt);
            assert!((v - bv).abs() <= 0.005 + 1e-9, "{v} vs {bv}");
        }
        let odd = vec![(1, f64::NAN), (2, f64::INFINITY), (3, 1e300), (4, -0.5)];
        let back = decode(&encode(&odd, 1.0)).unwrap();
        assert!(back[0].1.is_nan() && back[1].1 == f64::INFINITY && back[2].1 == 1e300);
        assert_eq!(back[3], (4, -0.5));
        assert_eq!(decode(&encode(&[], 1.0)).unwrap(), vec![]);
    }

    #[test]
    fn a_damaged_block_is_an_error_never_a_panic() {
        let pts: Vec<_> = (0..50).map(|i| (1000 + 30 * i, i as f64)).collect();
        let b = encode(&pts, 1.0);
        for cut in 0..b.len() {
            assert!(decode(&b[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = b.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
        assert!(decode(&[9, 1, 2]).is_err());
        assert!(decode(&[1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).is_err());
    }
}
