//! SVG charts for reports: dated line charts (with optional percentile bands and dated markers)
//! and grouped bar charts, drawn with `plotters` into an in-memory SVG string.
//!
//! Charts take `f64` values: they are pictures of exact results, never inputs to accounting.
//! Every chart carries a footnote (source attribution, carbonsim version, seed).

use chrono::NaiveDate;
use plotters::prelude::*;

use super::ReportError;

/// One named line of dated values.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSeries {
    /// Legend label.
    pub name: String,
    /// Points in date order.
    pub points: Vec<(NaiveDate, f64)>,
    /// Drawn as the reference line (thick, grey, underneath) rather than a coloured line.
    pub reference: bool,
}

/// A shaded band between a lower and an upper line (e.g. the 5th-95th percentile of a Monte
/// Carlo study).
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesBand {
    /// Legend label.
    pub name: String,
    /// `(date, lower, upper)` in date order.
    pub points: Vec<(NaiveDate, f64, f64)>,
}

/// A line chart over dates.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Title above the plot.
    pub title: String,
    /// Y-axis description, with its unit.
    pub y_label: String,
    /// Small text under the plot: source, version, seed.
    pub footnote: String,
    /// Lines, drawn in order.
    pub series: Vec<TimeSeries>,
    /// Shaded bands, drawn under the lines.
    pub bands: Vec<SeriesBand>,
    /// Vertical dashed markers with labels (deadlines, regime changes).
    pub markers: Vec<(NaiveDate, String)>,
}

/// A grouped bar chart over named categories (e.g. months).
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// Title above the plot.
    pub title: String,
    /// Y-axis description, with its unit.
    pub y_label: String,
    /// Small text under the plot.
    pub footnote: String,
    /// Category labels along the x axis.
    pub categories: Vec<String>,
    /// `(legend label, one value per category)`.
    pub series: Vec<(String, Vec<f64>)>,
}

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 560;
const PALETTE: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];
const REFERENCE_GREY: RGBColor = RGBColor(150, 150, 150);

fn chart_error(chart: &str, e: impl std::fmt::Display) -> ReportError {
    ReportError::Chart {
        chart: chart.to_owned(),
        message: e.to_string(),
    }
}

/// The smallest and largest finite values, padded by 5 % so lines do not touch the frame.
fn padded_range(values: impl Iterator<Item = f64>, floor_at_zero: bool) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold(None, |acc: Option<(f64, f64)>, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })?;
    let pad = ((hi - lo) * 0.05).max(1e-9);
    let lo = if floor_at_zero {
        (lo - pad).max(0.0)
    } else {
        lo - pad
    };
    Some((lo, hi + pad))
}

type Svg<'a> = SVGBackend<'a>;
type DrawResult = Result<(), DrawingAreaErrorKind<<Svg<'static> as DrawingBackend>::ErrorType>>;

/// Draws the legend in the upper left and the footnote under the plot.
fn finish<'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, Svg<'a>, Cartesian2d<X, Y>>,
    foot: &DrawingArea<Svg<'a>, plotters::coord::Shift>,
    footnote: &str,
    legend: SeriesLabelPosition,
) -> DrawResult {
    chart
        .configure_series_labels()
        .position(legend)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    foot.draw(&Text::new(
        footnote.to_owned(),
        (12, 4),
        ("sans-serif", 12).into_font().color(&BLACK.mix(0.7)),
    ))
}

impl LineChart {
    /// First and last date, and the padded value range.
    fn extent(&self) -> Result<(NaiveDate, NaiveDate, f64, f64), ReportError> {
        let dates = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .chain(self.bands.iter().flat_map(|b| b.points.iter().map(|p| p.0)));
        let (first, last) = dates
            .fold(None, |acc: Option<(NaiveDate, NaiveDate)>, d| match acc {
                None => Some((d, d)),
                Some((a, b)) => Some((a.min(d), b.max(d))),
            })
            .ok_or_else(|| chart_error(&self.title, "no data points"))?;
        let values = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .chain(
                self.bands
                    .iter()
                    .flat_map(|b| b.points.iter().flat_map(|p| [p.1, p.2])),
            );
        let (y_lo, y_hi) = padded_range(values, true)
            .ok_or_else(|| chart_error(&self.title, "no finite values"))?;
        Ok((first, last, y_lo, y_hi))
    }

    /// Renders the chart as an SVG document.
    ///
    /// # Errors
    /// [`ReportError::Chart`] when there is nothing to draw or drawing fails.
    pub fn to_svg(&self) -> Result<String, ReportError> {
        let (first, last, y_lo, y_hi) = self.extent()?;
        let day = |d: NaiveDate| (d - first).num_days() as f64;
        let x_hi = day(last).max(1.0);

        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
            let err = |e| chart_error(&self.title, e);
            root.fill(&WHITE).map_err(err)?;
            let (plot_area, foot) = root.split_vertically(HEIGHT - 24);
            let mut chart = ChartBuilder::on(&plot_area)
                .caption(&self.title, ("sans-serif", 20))
                .margin(12)
                .x_label_area_size(36)
                .y_label_area_size(70)
                .build_cartesian_2d(0f64..x_hi, y_lo..y_hi)
                .map_err(err)?;
            chart
                .configure_mesh()
                .light_line_style(WHITE.mix(0.0))
                .y_desc(&self.y_label)
                .x_labels(10)
                .x_label_formatter(&|x| {
                    let d = first + chrono::Duration::days(x.round() as i64);
                    d.format("%Y-%m").to_string()
                })
                .draw()
                .map_err(err)?;

            for (i, band) in self.bands.iter().enumerate() {
                let colour = PALETTE[i % PALETTE.len()].mix(0.18);
                let upper: Vec<(f64, f64)> = band.points.iter().map(|p| (day(p.0), p.2)).collect();
                let lower: Vec<(f64, f64)> =
                    band.points.iter().rev().map(|p| (day(p.0), p.1)).collect();
                let outline: Vec<(f64, f64)> = upper.into_iter().chain(lower).collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(outline, colour.filled())))
                    .map_err(err)?
                    .label(&band.name)
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 5), (x + 18, y + 5)], colour.filled())
                    });
            }
            for (date, label) in &self.markers {
                let x = day(*date);
                if !(0.0..=x_hi).contains(&x) {
                    continue;
                }
                let style = BLACK.mix(0.45).stroke_width(1);
                chart
                    .draw_series(DashedLineSeries::new([(x, y_lo), (x, y_hi)], 4, 4, style))
                    .map_err(err)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        label.clone(),
                        (x, y_hi),
                        ("sans-serif", 11).into_font().color(&BLACK.mix(0.7)),
                    )))
                    .map_err(err)?;
            }
            let mut colour_index = 0;
            for s in &self.series {
                let points: Vec<(f64, f64)> = s.points.iter().map(|p| (day(p.0), p.1)).collect();
                let style = if s.reference {
                    REFERENCE_GREY.stroke_width(4)
                } else {
                    let c = PALETTE[colour_index % PALETTE.len()];
                    colour_index += 1;
                    c.stroke_width(1)
                };
                chart
                    .draw_series(LineSeries::new(points, style))
                    .map_err(err)?
                    .label(&s.name)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            }
            finish(
                &mut chart,
                &foot,
                &self.footnote,
                SeriesLabelPosition::LowerRight,
            )
            .map_err(err)?;
            root.present().map_err(err)?;
        }
        Ok(svg)
    }
}

impl BarChart {
    /// Renders the chart as an SVG document.
    ///
    /// # Errors
    /// [`ReportError::Chart`] when categories and series lengths disagree, there is nothing to
    /// draw, or drawing fails.
    pub fn to_svg(&self) -> Result<String, ReportError> {
        let n = self.categories.len();
        if n == 0 || self.series.is_empty() {
            return Err(chart_error(&self.title, "no data"));
        }
        if let Some((name, values)) = self.series.iter().find(|(_, v)| v.len() != n) {
            return Err(chart_error(
                &self.title,
                format!(
                    "series {name:?} has {} values for {n} categories",
                    values.len()
                ),
            ));
        }
        let (_, y_hi) = padded_range(
            self.series
                .iter()
                .flat_map(|(_, v)| v.iter().copied())
                .chain([0.0]),
            true,
        )
        .ok_or_else(|| chart_error(&self.title, "no finite values"))?;
        let groups = self.series.len() as f64;
        let width = 0.8 / groups;

        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
            let err = |e| chart_error(&self.title, e);
            root.fill(&WHITE).map_err(err)?;
            let (plot_area, foot) = root.split_vertically(HEIGHT - 24);
            let categories = &self.categories;
            let mut chart = ChartBuilder::on(&plot_area)
                .caption(&self.title, ("sans-serif", 20))
                .margin(12)
                .x_label_area_size(48)
                .y_label_area_size(80)
                .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..y_hi)
                .map_err(err)?;
            chart
                .configure_mesh()
                .light_line_style(WHITE.mix(0.0))
                .disable_x_mesh()
                .y_desc(&self.y_label)
                .x_labels(n.min(40))
                .x_label_formatter(&|x| {
                    let i = x.round();
                    if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < categories.len() {
                        categories[i as usize].clone()
                    } else {
                        String::new()
                    }
                })
                .draw()
                .map_err(err)?;
            for (g, (name, values)) in self.series.iter().enumerate() {
                let colour = if g == 0 && self.series.len() > 1 {
                    REFERENCE_GREY
                } else {
                    PALETTE[(g.saturating_sub(1)) % PALETTE.len()]
                };
                let offset = -0.4 + width * g as f64;
                chart
                    .draw_series(values.iter().enumerate().map(|(i, v)| {
                        let x0 = i as f64 + offset;
                        Rectangle::new([(x0, 0.0), (x0 + width * 0.92, *v)], colour.filled())
                    }))
                    .map_err(err)?
                    .label(name)
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 5), (x + 18, y + 5)], colour.filled())
                    });
            }
            finish(
                &mut chart,
                &foot,
                &self.footnote,
                SeriesLabelPosition::UpperLeft,
            )
            .map_err(err)?;
            root.present().map_err(err)?;
        }
        Ok(svg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn line_chart_draws_every_series_band_marker_and_footnote() {
        let chart = LineChart {
            title: "CEA close".into(),
            y_label: "CNY/t".into(),
            footnote: "Source: Shanghai Environment and Energy Exchange · seed 7".into(),
            series: vec![
                TimeSeries {
                    name: "published".into(),
                    points: vec![(d("2021-07-16"), 51.23), (d("2021-07-19"), 52.30)],
                    reference: true,
                },
                TimeSeries {
                    name: "simulated".into(),
                    points: vec![(d("2021-07-16"), 51.0), (d("2021-07-19"), 53.0)],
                    reference: false,
                },
            ],
            bands: vec![SeriesBand {
                name: "p5-p95".into(),
                points: vec![(d("2021-07-16"), 50.0, 52.0), (d("2021-07-19"), 51.0, 54.0)],
            }],
            markers: vec![(d("2021-07-19"), "deadline".into())],
        };
        let svg = chart.to_svg().unwrap();
        assert!(svg.starts_with("<svg"));
        for text in [
            "CEA close",
            "published",
            "simulated",
            "p5-p95",
            "deadline",
            "seed 7",
            "2021-07",
        ] {
            assert!(svg.contains(text), "missing {text:?}");
        }
        assert!(svg.contains("<polyline"), "lines are drawn");
        assert!(svg.contains("<polygon"), "band is drawn");
    }

    #[test]
    fn empty_and_mismatched_charts_are_errors() {
        let empty = LineChart {
            title: "t".into(),
            y_label: String::new(),
            footnote: String::new(),
            series: vec![],
            bands: vec![],
            markers: vec![],
        };
        assert!(matches!(empty.to_svg(), Err(ReportError::Chart { .. })));
        let bars = BarChart {
            title: "volume".into(),
            y_label: "Mt".into(),
            footnote: String::new(),
            categories: vec!["2021-07".into(), "2021-08".into()],
            series: vec![("published".into(), vec![1.0])],
        };
        let err = bars.to_svg().unwrap_err().to_string();
        assert!(
            err.contains("published") && err.contains('1') && err.contains('2'),
            "{err}"
        );
    }

    #[test]
    fn bar_chart_labels_categories() {
        let bars = BarChart {
            title: "Monthly volume".into(),
            y_label: "Mt".into(),
            footnote: "note".into(),
            categories: vec!["2021-07".into(), "2021-08".into()],
            series: vec![
                ("published".into(), vec![5.95, 2.49]),
                ("simulated".into(), vec![5.95, 2.49]),
            ],
        };
        let svg = bars.to_svg().unwrap();
        assert!(
            svg.contains("2021-08") && svg.contains("Monthly volume") && svg.contains("simulated")
        );
        assert!(svg.matches("<rect").count() >= 4);
    }
}
