//! The arithmetic under trends and capacity forecasts: an ordinary least squares line of y
//! over x, and the two-sided p-value of its slope from Student's t distribution.

/// A least squares line `y = intercept + slope · x` and how well it fits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fit {
    /// Points fitted.
    pub n: usize,
    /// Change of y per unit of x.
    pub slope: f64,
    /// y at x = 0.
    pub intercept: f64,
    /// Share of y's variance the line explains, 0 to 1 (1 when every point is on the line).
    pub r_squared: f64,
    /// The slope over its standard error; `None` when the points lie exactly on a sloped
    /// line (the error is zero and t infinite).
    pub t: Option<f64>,
    /// Two-sided p-value of the slope against "no slope" (0 for an exact sloped line, 1 for
    /// an exact flat one).
    pub p_value: f64,
    /// Mean of y.
    pub mean_y: f64,
}

/// The least squares line through `points` (`(x, y)`); `None` with fewer than 3 finite
/// points or when every x is the same.
pub(crate) fn ols(points: &[(f64, f64)]) -> Option<Fit> {
    let pts: Vec<(f64, f64)> =
        points.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite()).collect();
    let n = pts.len();
    if n < 3 {
        return None;
    }
    let nf = n as f64;
    let mean_x = pts.iter().map(|p| p.0).sum::<f64>() / nf;
    let mean_y = pts.iter().map(|p| p.1).sum::<f64>() / nf;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in &pts {
        let (dx, dy) = (x - mean_x, y - mean_y);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    if !sxx.is_finite() || sxx <= 0.0 || !syy.is_finite() {
        return None;
    }
    // Rounding leaves residuals on a perfectly flat or straight series: below this share of
    // y's scale they count as none.
    let negligible = pts.iter().map(|p| p.1 * p.1).sum::<f64>() * 1e-24;
    if syy <= negligible {
        let (slope, intercept, r_squared, t, p_value) = (0.0, mean_y, 1.0, Some(0.0), 1.0);
        return Some(Fit { n, slope, intercept, r_squared, t, p_value, mean_y });
    }
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let sse: f64 = pts.iter().map(|(x, y)| (y - (intercept + slope * x)).powi(2)).sum();
    let (r_squared, t, p_value) = if sse <= negligible {
        (1.0, None, 0.0)
    } else {
        let t = slope / (sse / (nf - 2.0) / sxx).sqrt();
        ((1.0 - sse / syy).clamp(0.0, 1.0), Some(t), t_two_sided_p(t, nf - 2.0))
    };
    Some(Fit { n, slope, intercept, r_squared, t, p_value, mean_y })
}

/// Two-sided p-value of `t` under Student's t distribution with `df` degrees of freedom.
pub(crate) fn t_two_sided_p(t: f64, df: f64) -> f64 {
    if !t.is_finite() {
        return 0.0;
    }
    if df.is_nan() || df <= 0.0 {
        return 1.0;
    }
    beta_regularized(df / 2.0, 0.5, df / (df + t * t)).clamp(0.0, 1.0)
}

/// The regularized incomplete beta function `I_x(a, b)` (continued fraction, Lentz).
fn beta_regularized(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-15;
    let tiny = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / tiny(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / tiny(1.0 + aa * d);
        c = tiny(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / tiny(1.0 + aa * d);
        c = tiny(1.0 + aa / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut acc = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        acc += c / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + acc.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_match_the_t_table() {
        // (t, df, two-sided p) from the standard table of critical values.
        let table = [
            (12.706, 1.0, 0.05),
            (4.303, 2.0, 0.05),
            (2.228, 10.0, 0.05),
            (3.169, 10.0, 0.01),
            (2.042, 30.0, 0.05),
            (1.812, 10.0, 0.10),
            (0.0, 5.0, 1.0),
        ];
        for (t, df, p) in table {
            let got = t_two_sided_p(t, df);
            assert!((got - p).abs() < 5e-4, "t {t} df {df}: {got} != {p}");
            assert_eq!(t_two_sided_p(-t, df), got);
        }
        assert_eq!(t_two_sided_p(f64::INFINITY, 3.0), 0.0);
        assert_eq!(t_two_sided_p(1.0, 0.0), 1.0);
    }

    #[test]
    fn ln_gamma_of_known_values() {
        for (x, want) in
            [(1.0, 0.0), (2.0, 0.0), (5.0, 24f64.ln()), (0.5, std::f64::consts::PI.sqrt().ln())]
        {
            assert!((ln_gamma(x) - want).abs() < 1e-12, "{x}");
        }
    }

    #[test]
    fn fits_a_noisy_line() {
        // y = 2 + 3x with residuals +1, -1, ... : slope stays 3.
        let pts: Vec<_> = (0..10)
            .map(|i| (f64::from(i), 2.0 + 3.0 * f64::from(i) + if i % 2 == 0 { 1.0 } else { -1.0 }))
            .collect();
        let f = ols(&pts).unwrap();
        assert_eq!(f.n, 10);
        assert!((f.slope - 3.0).abs() < 0.2, "{f:?}");
        assert!(f.r_squared > 0.97 && f.r_squared < 1.0, "{f:?}");
        assert!(f.p_value < 1e-6, "{f:?}");
        assert!(f.t.is_some_and(|t| t > 10.0));
    }

    #[test]
    fn exact_lines_degenerate_inputs_and_noise() {
        let exact: Vec<_> = (0..5).map(|i| (f64::from(i), 1e12 + 5.0 * f64::from(i))).collect();
        let f = ols(&exact).unwrap();
        assert_eq!((f.t, f.p_value, f.r_squared), (None, 0.0, 1.0));
        assert!((f.slope - 5.0).abs() < 1e-6);

        let flat: Vec<_> = (0..5).map(|i| (f64::from(i), 7.0)).collect();
        let f = ols(&flat).unwrap();
        assert_eq!((f.slope, f.t, f.p_value, f.r_squared), (0.0, Some(0.0), 1.0, 1.0));

        assert!(ols(&[(0.0, 1.0), (1.0, 2.0)]).is_none());
        assert!(ols(&[(1.0, 1.0), (1.0, 2.0), (1.0, 3.0)]).is_none());
        assert!(ols(&[(0.0, f64::NAN), (1.0, 2.0), (2.0, 3.0)]).is_none());

        // A zig-zag without drift: no evidence of a slope.
        let noise: Vec<_> =
            (0..12).map(|i| (f64::from(i), if i % 2 == 0 { 10.0 } else { 12.0 })).collect();
        let f = ols(&noise).unwrap();
        assert!(f.p_value > 0.3, "{f:?}");
        assert!(f.r_squared < 0.1, "{f:?}");
    }
}
