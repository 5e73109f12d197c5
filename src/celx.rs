//! CEL, the language of Kubernetes' ValidatingAdmissionPolicy, for user rules (`check: cel`),
//! on the `cel` crate (0.15): the standard macros (`all`, `exists`, `exists_one`, `has`,
//! `filter`, `map`), the strings extension (`lowerAscii`, `split`, ...), optional fields
//! (`obj.?field.orValue(x)`), regex `matches`, and Kubernetes' `quantity()` (as a number of
//! base units, with `isLessThan`, `isGreaterThan`, `compareTo`, `asInteger`, ...).
//!
//! What onus adds: objects converted from the span tree with YAML 1.1 scalars typed as the
//! API server types them; located compile errors; a cost bound checked before evaluating
//! (the crate has none); conversion bounded in size, so an alias bomb costs nothing; values
//! built once (per object, per run for `objects`) and shared by every evaluation, not copied.

use crate::yaml::{NodeRef, ScalarType};
use cel::ExecutionError;
use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};
use cel::common::traits::{
    Adder, Comparer, Container, Divider, Indexer, Iterable, Modder, Multiplier, Negator, Sizer,
    Subtractor, Zeroer,
};
use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, DYN_TYPE, Type,
};
use cel::common::value::{BuiltinRef, Val};
use cel::{Context, Env, Program, Value};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

/// The environment every expression compiles and runs in.
static ENV: LazyLock<Option<Arc<Env>>> = LazyLock::new(|| {
    let mut env = Env::stdlib().with_optional_support(true);
    env.add_extension(cel::extensions::strings).ok()?;
    // `matches`, with compiled patterns kept (the crate's own compiles the pattern on
    // every call: 14 µs instead of 0.5).
    cel::add_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>, id = "matches")
        .ok()?;
    cel::add_member_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>).ok()?;
    // Kubernetes' quantity library, as far as a number carries it: `quantity('1Gi')` is the
    // amount in base units (a double), with the methods ValidatingAdmissionPolicy users call.
    cel::add_overload!(env, fn quantity: (CelString) -> Result<CelDouble>, id = "quantity").ok()?;
    cel::add_overload!(env, fn is_quantity: (CelString) -> CelBool, name = "isQuantity", id = "isQuantity").ok()?;
    cel::add_member_overload!(env, fn q_less: (CelDouble, CelDouble) -> CelBool, name = "isLessThan").ok()?;
    cel::add_member_overload!(env, fn q_greater: (CelDouble, CelDouble) -> CelBool, name = "isGreaterThan").ok()?;
    cel::add_member_overload!(env, fn q_compare: (CelDouble, CelDouble) -> CelInt, name = "compareTo").ok()?;
    cel::add_member_overload!(env, fn q_float: (CelDouble) -> CelDouble, name = "asApproximateFloat").ok()?;
    cel::add_member_overload!(env, fn q_integer: (CelDouble) -> Result<CelInt>, name = "asInteger")
        .ok()?;
    cel::add_member_overload!(env, fn q_is_integer: (CelDouble) -> CelBool, name = "isInteger")
        .ok()?;
    cel::add_member_overload!(env, fn q_sign: (CelDouble) -> CelInt, name = "sign").ok()?;
    Some(Arc::new(env))
});

/// `500m`, `1Gi`, `2.5e3`, `128974848`: a Kubernetes quantity in base units.
pub fn parse_quantity(text: &str) -> Option<f64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-')))
        .unwrap_or(t.len());
    let (number, suffix) = t.split_at(split);
    if number.is_empty() || number == "+" || number == "-" || number == "." {
        return None;
    }
    let n: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        e => {
            let exp = e.strip_prefix(['e', 'E'])?;
            10f64.powi(exp.parse::<i32>().ok().filter(|x| x.abs() <= 300)?)
        }
    };
    Some(n * factor).filter(|v| v.is_finite())
}

fn quantity(s: &CelString<'_>) -> Result<CelDouble, ExecutionError> {
    parse_quantity(s.inner())
        .map(CelDouble::from)
        .ok_or_else(|| ExecutionError::FunctionError {
            function: "quantity".to_string(),
            message: format!("'{}' is not a quantity", s.inner()),
        })
}

fn is_quantity(s: &CelString<'_>) -> CelBool {
    CelBool::from(parse_quantity(s.inner()).is_some())
}

fn q_less(a: &CelDouble, b: &CelDouble) -> CelBool {
    CelBool::from(a.inner() < b.inner())
}

fn q_greater(a: &CelDouble, b: &CelDouble) -> CelBool {
    CelBool::from(a.inner() > b.inner())
}

fn q_compare(a: &CelDouble, b: &CelDouble) -> CelInt {
    CelInt::from(match a.inner().partial_cmp(b.inner()) {
        Some(std::cmp::Ordering::Less) => -1,
        Some(std::cmp::Ordering::Greater) => 1,
        _ => 0,
    })
}

fn q_float(a: &CelDouble) -> CelDouble {
    CelDouble::from(*a.inner())
}

fn q_integer(a: &CelDouble) -> Result<CelInt, ExecutionError> {
    let v = *a.inner();
    if v.fract() == 0.0 && v.abs() < 9.2e18 {
        Ok(CelInt::from(v as i64))
    } else {
        Err(ExecutionError::FunctionError {
            function: "asInteger".to_string(),
            message: format!("{v} is not an integer that fits in 64 bits"),
        })
    }
}

fn q_is_integer(a: &CelDouble) -> CelBool {
    CelBool::from(a.inner().fract() == 0.0 && a.inner().abs() < 9.2e18)
}

fn q_sign(a: &CelDouble) -> CelInt {
    CelInt::from(if *a.inner() > 0.0 {
        1
    } else if *a.inner() < 0.0 {
        -1
    } else {
        0
    })
}

/// Patterns past this size are refused (a hostile pattern cannot take the memory).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A pattern compiled once per thread; an invalid one is an error every time.
fn regex(pattern: &str) -> Result<regex::Regex, String> {
    thread_local! {
        static CACHE: std::cell::RefCell<HashMap<String, Result<regex::Regex, String>>> =
            std::cell::RefCell::new(HashMap::new());
    }
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if let Some(r) = c.get(pattern) {
            return r.clone();
        }
        // Patterns are few (one per literal in the rules); a run computing them is bounded.
        if c.len() > 1024 {
            c.clear();
        }
        let r = regex::RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| format!("'{pattern}' is not a valid regex: {e}"));
        c.insert(pattern.to_string(), r.clone());
        r
    })
}

fn matches(this: &CelString<'_>, re: &CelString<'_>) -> Result<CelBool, ExecutionError> {
    let re = regex(re.inner()).map_err(|message| ExecutionError::FunctionError {
        function: "matches".to_string(),
        message,
    })?;
    Ok(CelBool::from(re.is_match(this.inner())))
}

/// How the findings of an object a rule could not judge begin, and end: `onus test-rules`
/// counts them as failures, never as the finding a fixture expects.
pub const NOT_EVALUATED: &str = "the expression could not be evaluated on";
pub const NOT_EVALUATED_TAIL: &str = "not evaluated";

/// The variables an expression may read.
pub const VARIABLES: &[&str] = &["object", "objects"];

/// Type names an expression may write as values (`type(x) == map`).
const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "dyn",
];

/// Every function the environment defines (the standard library without timestamps and
/// durations, optional values, the strings extension, `matches` and quantities): a call
/// of any other name is refused when the rule loads, not when an object reaches it.
const FUNCTIONS: &[&str] = &[
    "size",
    "matches",
    "startsWith",
    "endsWith",
    "contains",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "type",
    "dyn",
    "hasValue",
    "value",
    "orValue",
    "or",
    "optional.of",
    "optional.none",
    "optional.ofNonZeroValue",
    "charAt",
    "indexOf",
    "lastIndexOf",
    "lowerAscii",
    "upperAscii",
    "trim",
    "replace",
    "split",
    "substring",
    "join",
    "format",
    "strings.quote",
    "reverse",
    "quantity",
    "isQuantity",
    "isLessThan",
    "isGreaterThan",
    "compareTo",
    "asApproximateFloat",
    "asInteger",
    "isInteger",
    "sign",
];

/// At most this many values are built from one object (aliases are expanded: a bomb stops
/// here), and an object nests at most this deep.
const MAX_VALUES: usize = 1_000_000;
const MAX_DEPTH: usize = 300;

/// The most an evaluation may cost, in the units of [`Compiled::cost`]: about the number of
/// steps of its comprehensions. Kubernetes caps a ValidatingAdmissionPolicy expression at
/// 1,000,000 per call; onus allows ten times that, since it lints offline.
pub const COST_LIMIT: f64 = 10_000_000.0;

/// A compile error: its position in the expression (1-based line and column) and message.
#[derive(Debug)]
pub struct CompileError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A compiled expression.
pub struct Compiled {
    pub program: Program,
    /// How deep comprehensions nest (`objects.all(o, o.spec.x.all(...))`: 2).
    pub depth: u32,
    /// Nodes of the expression.
    pub size: usize,
    /// Does it read `objects`?
    pub reads_objects: bool,
    /// The top-level fields of `object` it reads (`object.spec...`: `spec`), sorted; None
    /// when it uses `object` whole. Only those are converted.
    pub object_fields: Option<Vec<String>>,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Compiled(depth {}, size {})", self.depth, self.size)
    }
}

/// Compile an expression; a syntax error, or a variable or macro onus does not provide, is
/// an error with its place in the expression.
pub fn compile(source: &str) -> Result<Compiled, CompileError> {
    let env = ENV.as_ref().ok_or_else(|| CompileError {
        line: 1,
        column: 1,
        message: "the CEL environment could not be built".into(),
    })?;
    let program = env.compile(source).map_err(|e| {
        let first = e.errors.first();
        let (line, column) = first.map_or((1, 1), |e| e.pos);
        CompileError {
            line: usize::try_from(line).unwrap_or(1).max(1),
            column: usize::try_from(column).unwrap_or(1).max(1),
            message: first.map_or_else(|| e.to_string(), |e| e.msg.clone()),
        }
    })?;
    let mut depth = 0;
    let mut size = 0;
    let mut unknown: Option<String> = None;
    // Literal patterns are compiled now: a bad one is an error of the rule, not of each object.
    let mut bad_pattern: Option<(u64, String)> = None;
    // `object` used only as `object.<field>`: the fields read.
    let mut fields = std::collections::BTreeSet::new();
    let (mut object_uses, mut selected) = (0, 0);
    walk(
        program.expression(),
        0,
        &mut Vec::new(),
        &mut |e, d, bound| {
            size += 1;
            depth = depth.max(d);
            if let Expr::Call(c) = &e.expr
                && c.func_name == "matches"
                && bad_pattern.is_none()
                && let Some(arg) = c.args.last()
                && let Expr::Literal(LiteralValue::String(p)) = &arg.expr
                && let Err(m) = regex(p.inner())
            {
                bad_pattern = Some((arg.id, m));
            }
            match &e.expr {
                Expr::Ident(name) if name == "object" && !bound.iter().any(|b| b == name) => {
                    object_uses += 1;
                }
                Expr::Select(sel) if matches!(&sel.operand.expr, Expr::Ident(n) if n == "object") =>
                {
                    fields.insert(sel.field.clone());
                    selected += 1;
                }
                _ => {}
            }
            if let Expr::Call(c) = &e.expr
                && c.func_name.starts_with(|ch: char| ch.is_ascii_alphabetic())
                && !FUNCTIONS.contains(&c.func_name.as_str())
                && unknown.is_none()
            {
                unknown = Some(c.func_name.clone());
            }
            if let Expr::Ident(name) = &e.expr
                && !VARIABLES.contains(&name.as_str())
                && !TYPE_NAMES.contains(&name.as_str())
                && !bound.iter().any(|b| b == name)
                && unknown.is_none()
            {
                unknown = Some(name.clone());
            }
        },
    );
    let reads_objects = program.references().has_variable("objects");
    if let Some((id, message)) = bad_pattern {
        let offset = program
            .source_info()
            .offset_for(id)
            .map_or(0, |(start, _)| start as usize);
        let (line, column) = line_column(source, offset);
        return Err(CompileError {
            line,
            column,
            message,
        });
    }
    if let Some(name) = unknown {
        // Where the name is written (the first occurrence as a word).
        let short = name.rsplit('.').next().unwrap_or(&name);
        let (line, column) = find_word(source, short)
            .or_else(|| find_word(source, &name))
            .unwrap_or((1, 1));
        let message = if source_calls(source, short) {
            format!(
                "unknown function `{name}`{}",
                crate::suppress::nearest(&name, FUNCTIONS)
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default()
            )
        } else {
            format!("undeclared reference `{name}` (the variables are `object` and `objects`)")
        };
        return Err(CompileError {
            line,
            column,
            message,
        });
    }
    // A comprehension variable named `object` would shadow it: then convert it whole.
    let object_fields = (object_uses == selected).then(|| fields.into_iter().collect());
    Ok(Compiled {
        program,
        depth,
        size,
        reads_objects,
        object_fields,
    })
}

/// Visit every node with its comprehension depth and the comprehension variables in scope.
/// The parser caps the expression's nesting, so recursion here is bounded.
fn walk(
    e: &IdedExpr,
    depth: u32,
    bound: &mut Vec<String>,
    f: &mut dyn FnMut(&IdedExpr, u32, &[String]),
) {
    f(e, depth, bound);
    match &e.expr {
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                walk(t, depth, bound, f);
            }
            for a in &c.args {
                walk(a, depth, bound, f);
            }
        }
        Expr::Comprehension(c) => {
            walk(&c.iter_range, depth, bound, f);
            walk(&c.accu_init, depth, bound, f);
            let n = bound.len();
            bound.push(c.iter_var.clone());
            if let Some(v) = &c.iter_var2 {
                bound.push(v.clone());
            }
            bound.push(c.accu_var.clone());
            for part in [&c.loop_cond, &c.loop_step, &c.result] {
                walk(part, depth + 1, bound, f);
            }
            bound.truncate(n);
        }
        Expr::List(l) => {
            for x in &l.elements {
                walk(x, depth, bound, f);
            }
        }
        Expr::Map(m) => {
            for entry in &m.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    walk(&me.key, depth, bound, f);
                    walk(&me.value, depth, bound, f);
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                if let EntryExpr::StructField(sf) = &entry.expr {
                    walk(&sf.value, depth, bound, f);
                }
            }
        }
        Expr::Select(s) => walk(&s.operand, depth, bound, f),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// 1-based (line, column) of a character offset.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let before: String = source.chars().take(offset).collect();
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Is `name` called in `source` (`name(`)?
fn source_calls(source: &str, name: &str) -> bool {
    source.contains(&format!("{name}("))
}

/// 1-based (line, column) of `word` standing alone in `source`.
fn find_word(source: &str, word: &str) -> Option<(usize, usize)> {
    for (i, line) in source.lines().enumerate() {
        let mut from = 0;
        while let Some(at) = line.get(from..).and_then(|l| l.find(word)) {
            let start = from + at;
            let end = start + word.len();
            let before = line[..start].chars().next_back();
            let after = line[end..].chars().next();
            let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            if !ident(before) && !ident(after) {
                return Some((i + 1, line[..start].chars().count() + 1));
            }
            from = end;
        }
    }
    None
}

impl Compiled {
    /// The worst-case cost of evaluating on inputs whose longest list or map has `widest`
    /// entries: each comprehension level may iterate over that many.
    pub fn cost(&self, widest: usize) -> f64 {
        (self.size as f64) * (widest.max(1) as f64).powi(self.depth as i32)
    }

    /// Evaluate on values built once ([`object_val`], [`val_list`]): nothing is copied.
    pub fn eval_shared(
        &self,
        object: &(dyn Val + 'static),
        objects: Option<&(dyn Val + 'static)>,
    ) -> Result<Value, String> {
        let env = ENV
            .as_ref()
            .ok_or("the CEL environment could not be built")?;
        let mut ctx = Context::with_env(env.clone());
        ctx.add_variable_as_val("object", Box::new(Shared(object)));
        if let Some(o) = objects {
            ctx.add_variable_as_val("objects", Box::new(Shared(o)));
        }
        self.program.execute(&ctx).map_err(|e| e.to_string())
    }
}

/// A value built once and read by many evaluations: a CEL context owns its variables, so
/// each evaluation gets this thin view of the shared value instead of a deep copy.
#[derive(Debug)]
struct Shared<'v>(&'v (dyn Val + 'v));

impl<'v> Val for Shared<'v> {
    fn get_type(&self) -> &Type {
        self.0.get_type()
    }
    fn cel_type() -> &'static Type
    where
        Self: Sized,
    {
        &DYN_TYPE
    }
    fn as_adder<'b, 'w>(&'b self) -> Option<&'b (dyn Adder + 'w)>
    where
        Self: 'w,
    {
        self.0.as_adder()
    }
    fn as_comparer(&self) -> Option<&dyn Comparer> {
        self.0.as_comparer()
    }
    fn as_container(&self) -> Option<&dyn Container> {
        self.0.as_container()
    }
    fn as_divider<'b, 'w>(&'b self) -> Option<&'b (dyn Divider + 'w)>
    where
        Self: 'w,
    {
        self.0.as_divider()
    }
    fn as_indexer<'b, 'w>(&'b self) -> Option<&'b (dyn Indexer + 'w)>
    where
        Self: 'w,
    {
        self.0.as_indexer()
    }
    fn as_iterable<'b, 'w>(&'b self) -> Option<&'b (dyn Iterable + 'w)>
    where
        Self: 'w,
    {
        self.0.as_iterable()
    }
    fn as_modder<'b, 'w>(&'b self) -> Option<&'b (dyn Modder + 'w)>
    where
        Self: 'w,
    {
        self.0.as_modder()
    }
    fn as_multiplier<'b, 'w>(&'b self) -> Option<&'b (dyn Multiplier + 'w)>
    where
        Self: 'w,
    {
        self.0.as_multiplier()
    }
    fn as_negator<'b, 'w>(&'b self) -> Option<&'b (dyn Negator + 'w)>
    where
        Self: 'w,
    {
        self.0.as_negator()
    }
    fn as_sizer(&self) -> Option<&dyn Sizer> {
        self.0.as_sizer()
    }
    fn as_subtractor<'b, 'w>(&'b self) -> Option<&'b (dyn Subtractor + 'w)>
    where
        Self: 'w,
    {
        self.0.as_subtractor()
    }
    fn as_zeroer(&self) -> Option<&dyn Zeroer> {
        self.0.as_zeroer()
    }
    fn equals(&self, other: &dyn Val) -> bool {
        self.0.equals(other)
    }
    fn clone_as_boxed<'w>(&self) -> Box<dyn Val + 'w>
    where
        Self: 'w,
    {
        self.0.clone_as_boxed()
    }
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        self.0.as_any()
    }
    fn as_builtin<'b, 'w>(&'b self) -> BuiltinRef<'b, 'w>
    where
        Self: 'w,
    {
        self.0.as_builtin()
    }
}

/// A YAML node as a CEL value, built directly (no intermediate `Value`): mappings are maps
/// (keys as written), sequences lists, scalars typed as Kubernetes types them. None past
/// [`MAX_VALUES`] values or [`MAX_DEPTH`].
pub fn to_val(node: NodeRef) -> Option<(Box<dyn Val>, usize)> {
    let mut budget = MAX_VALUES;
    let mut widest = 0;
    let v = convert_val(node, 0, &mut budget, &mut widest)?;
    Some((v, widest))
}

fn convert_val(
    node: NodeRef,
    depth: usize,
    budget: &mut usize,
    widest: &mut usize,
) -> Option<Box<dyn Val>> {
    *budget = budget.checked_sub(1)?;
    if depth > MAX_DEPTH {
        return None;
    }
    if node.is_map() {
        let mut map: HashMap<CelMapKey<'static>, Box<dyn Val>> =
            HashMap::with_capacity(node.child_count());
        for (k, v) in node.entries() {
            let key = CelMapKey::String(CelString::from(k.as_str().unwrap_or("").to_string()));
            map.insert(key, convert_val(v, depth + 1, budget, widest)?);
        }
        *widest = (*widest).max(map.len());
        return Some(Box::new(CelMap::from(map)));
    }
    if node.is_seq() {
        let items = node
            .items()
            .map(|i| convert_val(i, depth + 1, budget, widest))
            .collect::<Option<Vec<_>>>()?;
        *widest = (*widest).max(items.len());
        return Some(Box::new(CelList::from(items)));
    }
    Some(match scalar(node) {
        Value::Bool(b) => Box::new(CelBool::from(b)),
        Value::Int(i) => Box::new(CelInt::from(i)),
        Value::Float(f) => Box::new(CelDouble::from(f)),
        Value::String(t) => Box::new(CelString::from(t.to_string())),
        _ => Box::new(CelNull),
    })
}

/// An object as CEL sees it (only its top-level `fields` when given), with
/// `metadata.namespace` set to the namespace it lands in when it names none (as the API
/// server sets it).
pub fn object_val(
    res: &crate::object::Resource,
    fields: Option<&[String]>,
) -> Option<(Box<dyn Val>, usize)> {
    let mut budget = MAX_VALUES;
    let mut widest = 0;
    let mut map: HashMap<CelMapKey<'static>, Box<dyn Val>> = HashMap::new();
    let mut meta: Option<HashMap<CelMapKey<'static>, Box<dyn Val>>> = None;
    for (k, v) in res.root.entries() {
        let key = k.as_str().unwrap_or("");
        if fields.is_some_and(|f| !f.iter().any(|f| f == key)) {
            continue;
        }
        if key == "metadata" && v.is_map() {
            // Built apart, to add the namespace.
            let mut m = HashMap::new();
            for (mk, mv) in v.entries() {
                let mkey =
                    CelMapKey::String(CelString::from(mk.as_str().unwrap_or("").to_string()));
                m.insert(mkey, convert_val(mv, 2, &mut budget, &mut widest)?);
            }
            meta = Some(m);
            continue;
        }
        let ckey = CelMapKey::String(CelString::from(key.to_string()));
        map.insert(ckey, convert_val(v, 1, &mut budget, &mut widest)?);
    }
    let reads_meta = fields.is_none_or(|f| f.iter().any(|f| f == "metadata"));
    if reads_meta {
        let mut m = meta.unwrap_or_default();
        let ns = CelMapKey::String(CelString::from("namespace".to_string()));
        if !res.namespace.is_empty() && !m.contains_key(&ns) {
            m.insert(ns, Box::new(CelString::from(res.namespace.to_string())));
        }
        widest = widest.max(m.len());
        map.insert(
            CelMapKey::String(CelString::from("metadata".to_string())),
            Box::new(CelMap::from(m)),
        );
    }
    widest = widest.max(map.len());
    Some((Box::new(CelMap::from(map)), widest))
}

/// A list of shared values, as `objects` holds them.
pub fn val_list(values: Vec<Box<dyn Val>>) -> Box<dyn Val> {
    Box::new(CelList::from(values))
}

/// A scalar as a `Value`, typed as Kubernetes types it.
fn scalar(node: NodeRef) -> Value {
    let text = node.as_str().unwrap_or("");
    match node.scalar_type() {
        Some(ScalarType::Null) | None => Value::Null,
        Some(ScalarType::Bool) => Value::Bool(node.as_bool().unwrap_or(false)),
        Some(ScalarType::Int) => match node.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::String(Arc::new(text.to_string())),
        },
        Some(ScalarType::Float) => match text.replace('_', "").parse::<f64>() {
            Ok(f) => Value::Float(f),
            Err(_) => match text.to_ascii_lowercase().trim_start_matches(['+', '-']) {
                ".inf" => Value::Float(if text.starts_with('-') {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }),
                _ => Value::Float(f64::NAN),
            },
        },
        Some(ScalarType::Str) => Value::String(Arc::new(text.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    fn value(text: &str) -> Box<dyn Val> {
        let s = parse(text);
        to_val(NodeRef::root(&s.documents[0]).unwrap()).unwrap().0
    }

    #[test]
    fn objects_are_typed_as_kubernetes_reads_them_and_expressions_run() {
        let obj = value(
            "kind: Deployment\nspec:\n  replicas: 3\n  paused: yes\n  ratio: 1.5\n  version: \"1.10\"\n  template:\n    spec:\n      containers:\n      - {name: web, image: nginx:latest}\n",
        );
        for (src, want) in [
            ("object.spec.replicas == 3", true),
            ("object.spec.paused == true", true),
            ("object.spec.ratio > 1.0", true),
            ("object.spec.version == '1.10'", true),
            (
                "object.spec.template.spec.containers.all(c, !c.image.endsWith(':latest'))",
                false,
            ),
            ("object.kind.lowerAscii() == 'deployment'", true),
            ("has(object.spec.strategy)", false),
            (
                "object.spec.?strategy.type.orValue('RollingUpdate') == 'RollingUpdate'",
                true,
            ),
            (
                "object.spec.template.spec.containers.exists(c, c.image.matches('^nginx'))",
                true,
            ),
        ] {
            let c = compile(src).unwrap();
            assert_eq!(c.eval_shared(&*obj, None), Ok(Value::Bool(want)), "{src}");
        }
        // A missing field is an evaluation error, not a panic.
        let c = compile("object.spec.strategy.type == 'x'").unwrap();
        assert!(c.eval_shared(&*obj, None).is_err());
    }

    #[test]
    fn compile_errors_are_located_and_unknown_names_refused() {
        let e = compile("object.spec.replicas >").unwrap_err();
        assert_eq!((e.line, e.column), (1, 23), "{e:?}");
        let e = compile("object.x == 1 &&\n  objekt.y == 2").unwrap_err();
        assert_eq!((e.line, e.column), (2, 3), "{e:?}");
        assert!(e.message.contains("objekt"), "{e:?}");
        // Comprehension variables are in scope inside their macro only.
        assert!(compile("object.items.all(i, i > 0)").is_ok());
        assert!(compile("object.items.all(i, i > 0) && i > 0").is_err());
        // An unknown function or method is refused at load, with the nearest known one.
        let e = compile("object.metadata.name.contans('x')").unwrap_err();
        assert_eq!((e.line, e.column), (1, 22), "{e:?}");
        assert!(
            e.message
                .contains("unknown function `contans` (did you mean `contains`?)"),
            "{e:?}"
        );
        assert!(compile("unknownFn(object)").is_err());
        assert!(
            compile("type(object.spec) == map && object.x.lowerAscii().split('-').size() > 1")
                .is_ok()
        );
        // A literal pattern that is not a regex: where it is written.
        let e = compile("object.kind == 'x' ||\n object.kind.matches('a(b')").unwrap_err();
        assert_eq!((e.line, e.column), (2, 22), "{e:?}");
        assert!(e.message.contains("not a valid regex"), "{e:?}");
    }

    #[test]
    fn only_the_fields_read_are_converted() {
        let c = compile("object.metadata.name == 'a' && has(object.spec.x)").unwrap();
        assert_eq!(
            c.object_fields,
            Some(vec!["metadata".into(), "spec".into()])
        );
        let c = compile("object.kind == 'x' || objects.exists(o, o.kind == 'y')").unwrap();
        assert_eq!(c.object_fields, Some(vec!["kind".into()]));
        let c = compile("size(object) > 2").unwrap();
        assert_eq!(c.object_fields, None);
    }

    #[test]
    fn cost_grows_with_comprehension_depth() {
        let flat = compile("object.spec.replicas > 1").unwrap();
        let deep = compile("objects.all(a, objects.all(b, objects.all(c, a == b)))").unwrap();
        assert_eq!(flat.depth, 0);
        assert_eq!(deep.depth, 3);
        assert!(flat.cost(1_000_000) < COST_LIMIT);
        assert!(deep.cost(3_000) > COST_LIMIT);
        assert!(deep.reads_objects && !flat.reads_objects);
    }

    #[test]
    fn alias_bombs_stop_at_the_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let s = parse(&text);
        assert!(to_val(NodeRef::root(&s.documents[0]).unwrap()).is_none());
    }
}
