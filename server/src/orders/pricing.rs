//! Turns requested lines into priced order lines and the ingredient quantities they need.

use crate::error::ApiError;
use crate::menu::db::PizzaSpec;
use crate::stock::Needs;
use ocpizza_proto::api::orders::{LineExtra, LineInput, OrderLine};
use ocpizza_proto::{IngredientId, Money, PizzaId};
use std::collections::BTreeMap;

/// Most pizzas of one line.
pub const MAX_QUANTITY: i64 = 20;
/// Most lines in one order.
pub const MAX_LINES: usize = 30;
/// Most pizzas in one order: a larger one is a catering job, arranged with the shop. Without
/// this bound one order could hold 600 pizzas' worth of stock until the shop turns it down.
pub const MAX_PIZZAS: i64 = 30;

/// Priced lines, their total and what they need from stock.
#[derive(Debug, Clone)]
pub struct Priced {
    /// Lines as stored.
    pub lines: Vec<OrderLine>,
    /// What each line needs (same index as `lines`).
    pub line_needs: Vec<Needs>,
    /// What the whole order needs.
    pub needs: Needs,
    /// Sum of the lines.
    pub total: Money,
}

impl Priced {
    /// The error for a shortage of `ingredient`: names the first line needing it.
    pub fn shortage(&self, ingredient: IngredientId, ingredient_name: &str) -> ApiError {
        let index = self
            .line_needs
            .iter()
            .position(|n| n.contains_key(&ingredient))
            .unwrap_or(0);
        let line = &self.lines[index];
        let problem = format!(
            "not enough {ingredient_name} left for {} × {} ({})",
            line.quantity, line.pizza_name, line.size
        );
        ApiError::OutOfStock {
            message: format!("{} is no longer available: {problem}", line.pizza_name),
            fields: BTreeMap::from([(format!("lines[{index}]"), problem)]),
        }
    }
}

/// Prices `inputs` against the catalogue; every problem names its line and field.
pub fn price(specs: &[PizzaSpec], inputs: &[LineInput]) -> Result<Priced, ApiError> {
    if inputs.is_empty() {
        return Err(ApiError::field(
            "lines",
            "an order needs at least one pizza",
        ));
    }
    if inputs.len() > MAX_LINES {
        return Err(ApiError::field(
            "lines",
            format!("at most {MAX_LINES} lines"),
        ));
    }
    let mut out = Priced {
        lines: Vec::new(),
        line_needs: Vec::new(),
        needs: Needs::new(),
        total: Money::ZERO,
    };
    for (i, input) in inputs.iter().enumerate() {
        let (line, needs) = price_line(specs, input, i)?;
        for (ingredient, qty) in &needs {
            *out.needs.entry(*ingredient).or_default() += qty;
        }
        out.total = out.total + line.total;
        out.lines.push(line);
        out.line_needs.push(needs);
    }
    let pizzas: i64 = out.lines.iter().map(|l| l.quantity).sum();
    if pizzas > MAX_PIZZAS {
        return Err(ApiError::field(
            "lines",
            format!(
                "at most {MAX_PIZZAS} pizzas in one order ({pizzas} asked); call the shop for more"
            ),
        ));
    }
    Ok(out)
}

fn price_line(
    specs: &[PizzaSpec],
    input: &LineInput,
    i: usize,
) -> Result<(OrderLine, Needs), ApiError> {
    let field = |f: &str| format!("lines[{i}].{f}");
    let spec = specs
        .iter()
        .find(|p| p.id == input.pizza_id)
        .ok_or_else(|| ApiError::field(field("pizza_id"), "no such pizza"))?;
    let size = spec.size(&input.size).ok_or_else(|| {
        let codes: Vec<&str> = spec.sizes.iter().map(|s| s.code.as_str()).collect();
        ApiError::field(
            field("size"),
            format!("must be one of {}", codes.join(", ")),
        )
    })?;
    if !(1..=MAX_QUANTITY).contains(&input.quantity) {
        return Err(ApiError::field(
            field("quantity"),
            format!("must be between 1 and {MAX_QUANTITY}"),
        ));
    }
    let note = crate::validate::optional_text(&field("note"), input.note.as_deref(), 200)?;
    let mut needs = Needs::new();
    for item in spec.recipe_for(&size.code) {
        *needs.entry(item.ingredient_id).or_default() += item.quantity * input.quantity;
    }
    let mut extras = Vec::new();
    for (j, ingredient) in input.extras.iter().enumerate() {
        let extra = spec.extra(*ingredient, &size.code).ok_or_else(|| {
            ApiError::field(field(&format!("extras[{j}]")), "not offered on this pizza")
        })?;
        if input.extras[..j].contains(ingredient) {
            return Err(ApiError::field(
                field(&format!("extras[{j}]")),
                "listed twice",
            ));
        }
        *needs.entry(*ingredient).or_default() += extra.quantity * input.quantity;
        extras.push(LineExtra {
            ingredient_id: *ingredient,
            name: extra.name.clone(),
            price: extra.price,
        });
    }
    let unit = size.price + extras.iter().map(|e| e.price).sum::<Money>();
    let line = OrderLine {
        pizza_id: spec.id,
        pizza_name: spec.name.clone(),
        size: size.code.clone(),
        quantity: input.quantity,
        unit_price: size.price,
        extras,
        note,
        total: unit * input.quantity,
    };
    Ok((line, needs))
}

/// Distinct pizzas of the request, to load their specs.
pub fn pizzas_of(inputs: &[LineInput]) -> Vec<PizzaId> {
    let mut ids: Vec<PizzaId> = inputs.iter().map(|l| l.pizza_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
