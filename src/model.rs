//! The responsibility model as data (rules/responsibilities.yaml).

use crate::yaml::{self, NodeRef};

pub const MODEL_YAML: &str = include_str!("../rules/responsibilities.yaml");

#[derive(Clone, Debug)]
pub struct Activity {
    pub id: String,
    /// "1.1 Specify service as needed"
    pub section: String,
    pub activity: String,
    pub customer: String,
    pub provider: String,
    pub checkable: bool,
    pub reason: Option<String>,
}

impl Activity {
    /// "3.1.4"
    pub fn section_number(&self) -> &str {
        self.id.split('/').next().unwrap_or("")
    }

    /// "Customer: RA, OVHcloud: I" (roles that are empty are left out).
    pub fn roles(&self, provider_name: &str) -> String {
        let mut parts = Vec::new();
        if !self.customer.is_empty() {
            parts.push(format!("Customer: {}", self.customer));
        }
        if !self.provider.is_empty() {
            parts.push(format!("{provider_name}: {}", self.provider));
        }
        parts.join(", ")
    }

    /// `3.1.4 Storage: "Encrypt sensitive data ..." (Customer: RA)`
    pub fn quote(&self, provider_name: &str) -> String {
        format!(
            "{}: \"{}\" ({})",
            self.section,
            self.activity,
            self.roles(provider_name)
        )
    }

    /// The customer is Responsible or Accountable.
    pub fn customer_holds(&self) -> bool {
        self.customer.contains('R') || self.customer.contains('A')
    }
}

/// The keys of an activity.
const ACTIVITY_KEYS: &[&str] = &[
    "id",
    "activity",
    "customer",
    "provider",
    "checkable",
    "reason",
];

#[derive(Clone, Debug)]
pub struct Model {
    pub provider: String,
    /// Section number → title ("3.1.4" → "Storage"), the model's and a team's.
    pub sections: Vec<(String, String)>,
    pub activities: Vec<Activity>,
}

impl Model {
    pub fn builtin() -> Result<Model, String> {
        Model::parse(MODEL_YAML)
    }

    pub fn parse(text: &str) -> Result<Model, String> {
        let mut model = Model {
            provider: String::new(),
            sections: Vec::new(),
            activities: Vec::new(),
        };
        let stream = yaml::parse(text);
        let root = root_of(&stream, "responsibilities.yaml")?;
        if root.get("sections").is_none() {
            return Err("missing `sections`".into());
        }
        model.provider = root
            .get("provider")
            .and_then(|p| p.as_str())
            .unwrap_or("Provider")
            .to_string();
        model.add(root)?;
        Ok(model)
    }

    /// Add a team's own duties (a `responsibilities.yaml` beside its rules, same format:
    /// the `sections` it adds, if any, and `activities`). An activity id already in the
    /// model is an error; a section number already there must keep its title.
    pub fn extend(&mut self, text: &str, origin: &str) -> Result<(), String> {
        let stream = yaml::parse(text);
        let root = root_of(&stream, origin)?;
        self.add(root).map_err(|e| format!("{origin}: {e}"))
    }

    fn section(&self, number: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|(n, _)| n == number)
            .map(|(_, t)| t.as_str())
    }

    fn add(&mut self, root: NodeRef) -> Result<(), String> {
        for (k, v) in root.get("sections").into_iter().flat_map(|s| s.entries()) {
            let number = k.as_str().unwrap_or("").to_string();
            let title = v
                .as_str()
                .ok_or_else(|| format!("section {number}: the title must be text"))?
                .to_string();
            match self.section(&number) {
                Some(t) if t != title => {
                    return Err(format!(
                        "section {number} is already \"{t}\"; give your own sections numbers of their own"
                    ));
                }
                Some(_) => {}
                None => self.sections.push((number, title)),
            }
        }
        for item in root
            .get("activities")
            .ok_or("missing `activities`")?
            .items()
        {
            let field = |k: &str| item.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let id = field("id").ok_or("an activity has no id")?;
            for (k, _) in item.entries() {
                let k = k.as_str().unwrap_or("");
                if !ACTIVITY_KEYS.contains(&k) {
                    return Err(format!(
                        "activity {id}: unknown key `{k}` (known: {})",
                        ACTIVITY_KEYS.join(", ")
                    ));
                }
            }
            for role in ["customer", "provider"] {
                let letters = field(role).unwrap_or_default();
                if letters.chars().any(|c| !matches!(c, 'R' | 'A' | 'C' | 'I')) {
                    return Err(format!(
                        "activity {id}: `{role}: {letters}` is not RACI letters (R, A, C, I, or \"\")"
                    ));
                }
            }
            if item.get("customer").is_none() {
                return Err(format!(
                    "activity {id}: no `customer` role (R, A, C, I letters, or \"\")"
                ));
            }
            let number = id.split('/').next().unwrap_or("");
            if !id.contains('/') {
                return Err(format!(
                    "activity {id}: an id is `<section>/<name>` (`9.1/team-label`)"
                ));
            }
            if self.get(&id).is_some() {
                return Err(format!("activity {id} is already in the model"));
            }
            let title = self
                .section(number)
                .ok_or_else(|| format!("activity {id}: no section {number}"))?
                .to_string();
            let checkable = item
                .get("checkable")
                .and_then(|c| c.as_bool())
                .unwrap_or(false);
            let reason = field("reason");
            if !checkable && reason.is_none() {
                return Err(format!(
                    "activity {id}: give `checkable: true` (a manifest can show it) or a `reason` why none can"
                ));
            }
            self.activities.push(Activity {
                section: format!("{number} {title}"),
                activity: field("activity").ok_or_else(|| format!("activity {id}: no text"))?,
                customer: field("customer").unwrap_or_default(),
                provider: field("provider").unwrap_or_default(),
                checkable,
                reason,
                id,
            });
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Activity> {
        self.activities.iter().find(|a| a.id == id)
    }
}

fn root_of<'s>(stream: &'s yaml::Stream, origin: &str) -> Result<NodeRef<'s>, String> {
    if let Some(e) = stream.errors.first() {
        return Err(format!("{origin}: {}", e.message));
    }
    let doc = stream
        .documents
        .first()
        .ok_or_else(|| format!("{origin} is empty"))?;
    NodeRef::root(doc).ok_or_else(|| format!("{origin} is empty"))
}
