//! The compact encoding of one series' samples over a span (a "block"): timestamps as
//! delta-of-delta and values quantized to the metric's resolution as deltas, both as zigzag
//! varints in which a run of zeros is written once with its length. A regular 30 s series
//! of a steady value costs a few bytes per block; a varying value about one varint per
//! sample. Values that do not fit the resolution (non-finite, huge) make the block fall
//! back to plain 8-byte floats, so nothing is ever mangled.

/// Why a block could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sample block is corrupt: {0}")]
pub struct CorruptBlock(pub &'static str);

/// Format versions (the first byte). 1 and 2 (no zero runs) are still read.
const QUANTIZED: u8 = 1;
const PLAIN: u8 = 2;
const QUANTIZED_RUNS: u8 = 3;
const PLAIN_RUNS: u8 = 4;
/// Value modes of `QUANTIZED_RUNS` (a byte after the times).
const DELTA: u8 = 0;
const DELTA_OF_DELTA: u8 = 1;

/// Encodes `points` (sorted by time, unix seconds) with values rounded to multiples of
/// `quantum` (e.g. 0.01 for a percentage, 1 for bytes).
pub fn encode(points: &[(i64, f64)], quantum: f64) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * 2 + 16);
    let q: Option<Vec<i64>> = (quantum > 0.0 && quantum.is_finite())
        .then(|| points.iter().map(|&(_, v)| quantize(v, quantum)).collect())
        .flatten();
    out.push(if q.is_some() { QUANTIZED_RUNS } else { PLAIN_RUNS });
    put_varint(&mut out, points.len() as u64);
    if q.is_some() {
        out.extend_from_slice(&quantum.to_le_bytes());
    }
    // Times: the first, then delta-of-delta (the first delta against 0).
    let (mut prev_t, mut prev_d) = (0i64, 0i64);
    let dods = points.iter().enumerate().map(|(i, &(t, _))| {
        let d = t.wrapping_sub(prev_t);
        let dod = if i == 0 { t } else { d.wrapping_sub(prev_d) };
        if i > 0 {
            prev_d = d;
        }
        prev_t = t;
        dod
    });
    put_runs(&mut out, dods);
    match q {
        Some(q) => {
            // Deltas suit a level that wanders; delta-of-deltas a counter growing at a steady
            // rate. Both are tried and the shorter kept (a mode byte says which).
            let (mut by_delta, mut by_dod) = (vec![DELTA], vec![DELTA_OF_DELTA]);
            put_runs(&mut by_delta, differences(&q));
            put_runs(&mut by_dod, differences(&differences(&q).collect::<Vec<_>>()));
            out.extend(if by_dod.len() < by_delta.len() { by_dod } else { by_delta });
        }
        None => points.iter().for_each(|&(_, v)| out.extend_from_slice(&v.to_le_bytes())),
    }
    out
}

/// Each value minus the one before it (the first minus 0).
fn differences(values: &[i64]) -> impl Iterator<Item = i64> + '_ {
    let mut prev = 0i64;
    values.iter().map(move |&v| {
        let d = v.wrapping_sub(prev);
        prev = v;
        d
    })
}

/// The running sum of `values` (undoes `differences`).
fn sums(values: Vec<i64>) -> Vec<i64> {
    let mut acc = 0i64;
    values
        .into_iter()
        .map(|v| {
            acc = acc.wrapping_add(v);
            acc
        })
        .collect()
}

/// Writes zigzag varints; a zero is followed by how many more zeros follow it.
fn put_runs(out: &mut Vec<u8>, values: impl Iterator<Item = i64>) {
    let mut zeros: Option<u64> = None;
    for v in values {
        match (v, zeros.as_mut()) {
            (0, Some(n)) => *n += 1,
            (0, None) => {
                put_varint(out, 0);
                zeros = Some(0);
            }
            (v, _) => {
                if let Some(n) = zeros.take() {
                    put_varint(out, n);
                }
                put_varint(out, zigzag(v));
            }
        }
    }
    if let Some(n) = zeros {
        put_varint(out, n);
    }
}

/// Decodes a block made by `encode`.
pub fn decode(block: &[u8]) -> Result<Vec<(i64, f64)>, CorruptBlock> {
    let mut r = Reader { buf: block, at: 0 };
    let version = r.byte()?;
    let n = usize::try_from(r.varint()?).map_err(|_| CorruptBlock("count"))?;
    let runs = matches!(version, QUANTIZED_RUNS | PLAIN_RUNS);
    let quantized = matches!(version, QUANTIZED | QUANTIZED_RUNS);
    if !matches!(version, QUANTIZED | PLAIN | QUANTIZED_RUNS | PLAIN_RUNS) {
        return Err(CorruptBlock("unknown version"));
    }
    // Zero runs make a short block hold many points; still bound what a count may claim.
    let most = if runs { 1 << 24 } else { block.len() * 8 };
    if n > most {
        return Err(CorruptBlock("count larger than the block can hold"));
    }
    let quantum = if quantized {
        f64::from_le_bytes(r.take(8)?.try_into().map_err(|_| CorruptBlock("quantum"))?)
    } else {
        0.0
    };
    let dods = r.values(n, runs)?;
    let mut times = Vec::with_capacity(n);
    let (mut t, mut d) = (0i64, 0i64);
    for (i, v) in dods.into_iter().enumerate() {
        if i == 0 {
            t = v;
        } else {
            d = d.wrapping_add(v);
            t = t.wrapping_add(d);
        }
        times.push(t);
    }
    let out = if quantized {
        let mode = if runs { r.byte()? } else { DELTA };
        let stored = r.values(n, runs)?;
        let values = match mode {
            DELTA => sums(stored),
            DELTA_OF_DELTA => sums(sums(stored)),
            _ => return Err(CorruptBlock("unknown value mode")),
        };
        times.into_iter().zip(values).map(|(t, v)| (t, v as f64 * quantum)).collect()
    } else {
        let mut out = Vec::with_capacity(n);
        for t in times {
            let bytes = r.take(8)?.try_into().map_err(|_| CorruptBlock("value"))?;
            out.push((t, f64::from_le_bytes(bytes)));
        }
        out
    };
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

    /// `n` zigzag varints, with zero runs when `runs`.
    fn values(&mut self, n: usize, runs: bool) -> Result<Vec<i64>, CorruptBlock> {
        let mut out = Vec::with_capacity(n.min(1 << 16));
        while out.len() < n {
            let v = unzigzag(self.varint()?);
            out.push(v);
            if runs && v == 0 {
                let more = usize::try_from(self.varint()?).map_err(|_| CorruptBlock("run"))?;
                if more > n - out.len() {
                    return Err(CorruptBlock("a run longer than the block"));
                }
                out.resize(out.len() + more, 0);
            }
        }
        Ok(out)
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
    fn a_steady_regular_series_costs_a_few_bytes_a_block() {
        let pts: Vec<_> = (0..120).map(|i| (1_764_000_000 + 30 * i, 42.5)).collect();
        let b = encode(&pts, 0.01);
        assert!(b.len() <= 24, "a steady regular series is a few bytes: {} bytes", b.len());
        assert_eq!(decode(&b).unwrap(), pts);
        // A varying value on a regular clock: about one byte per small step.
        let walk: Vec<_> = (0..120).map(|i| (1_764_000_000 + 30 * i, (i % 7) as f64)).collect();
        let b = encode(&walk, 1.0);
        assert!(b.len() <= 120 + 24, "{} bytes", b.len());
        assert_eq!(decode(&b).unwrap(), walk);
        // A counter at a steady rate: delta-of-deltas make it a few bytes too.
        let counter: Vec<_> =
            (0..120).map(|i| (1_764_000_000 + 30 * i, 1e9 + 15_000.0 * i as f64)).collect();
        let b = encode(&counter, 1.0);
        assert!(b.len() <= 40, "a steady counter is a few bytes: {} bytes", b.len());
        assert_eq!(decode(&b).unwrap(), counter);
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
    fn blocks_of_the_first_format_still_decode() {
        // Version 1: count 2, quantum 1.0, times 100 then dod 30 → delta 30, values 5, +1.
        let mut v1 = vec![QUANTIZED, 2];
        v1.extend_from_slice(&1.0f64.to_le_bytes());
        v1.extend_from_slice(&[200, 1, 60, 10, 2]);
        assert_eq!(decode(&v1).unwrap(), vec![(100, 5.0), (130, 6.0)]);
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
        // A zero run claiming more points than the block has; an unknown value mode.
        let mut q = vec![QUANTIZED_RUNS, 3];
        q.extend_from_slice(&1.0f64.to_le_bytes());
        q.extend_from_slice(&[0, 200]);
        assert!(decode(&q).is_err());
        let mut q = vec![QUANTIZED_RUNS, 1];
        q.extend_from_slice(&1.0f64.to_le_bytes());
        q.extend_from_slice(&[2, 7, 2]);
        assert!(decode(&q).is_err());
        assert!(decode(&[1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).is_err());
    }
}
