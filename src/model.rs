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

#[derive(Clone, Debug)]
pub struct Model {
    pub provider: String,
    pub activities: Vec<Activity>,
}

impl Model {
    pub fn builtin() -> Result<Model, String> {
        Model::parse(MODEL_YAML)
    }

    pub fn parse(text: &str) -> Result<Model, String> {
        let stream = yaml::parse(text);
        if let Some(e) = stream.errors.first() {
            return Err(format!("responsibilities.yaml: {}", e.message));
        }
        let doc = stream
            .documents
            .first()
            .ok_or("responsibilities.yaml is empty")?;
        let root = NodeRef::root(doc).ok_or("responsibilities.yaml is empty")?;
        let sections = root.get("sections").ok_or("missing `sections`")?;
        let provider = root
            .get("provider")
            .and_then(|p| p.as_str())
            .unwrap_or("Provider")
            .to_string();
        let mut activities = Vec::new();
        for item in root
            .get("activities")
            .ok_or("missing `activities`")?
            .items()
        {
            let field = |k: &str| item.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let id = field("id").ok_or("an activity has no id")?;
            let number = id.split('/').next().unwrap_or("");
            let title = sections
                .get(number)
                .and_then(|t| t.as_str())
                .ok_or_else(|| format!("activity {id}: no section {number}"))?;
            let checkable = item
                .get("checkable")
                .and_then(|c| c.as_bool())
                .unwrap_or(false);
            let reason = field("reason");
            if !checkable && reason.is_none() {
                return Err(format!("activity {id}: not checkable but gives no reason"));
            }
            activities.push(Activity {
                section: format!("{number} {title}"),
                activity: field("activity").ok_or_else(|| format!("activity {id}: no text"))?,
                customer: field("customer").unwrap_or_default(),
                provider: field("provider").unwrap_or_default(),
                checkable,
                reason,
                id,
            });
        }
        Ok(Model {
            provider,
            activities,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Activity> {
        self.activities.iter().find(|a| a.id == id)
    }
}
