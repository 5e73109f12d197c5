//! Patches applied to rendered objects as `kubectl kustomize` (kustomize v5.5) applies them.
//!
//! Strategic merge patches are a port of the walker kustomize runs (kyaml's `merge2`, with the
//! merge keys of the Kubernetes 1.21 OpenAPI document it embeds), quirks included, since the
//! point is to lint what kustomize prints: the items a patch has in a list merged by key come
//! first; `$patch: replace` on a list item changes nothing; an item without its merge key can
//! empty the list; container and Service ports merge by port and protocol with kyaml's
//! surprises; a root `$patch: replace` is ignored. One deliberate difference: the directives
//! kustomize does not obey (`$retainKeys`, `$setElementOrder/…`, `$deleteFromPrimitiveList/…`,
//! a `$patch` where it reads none) are dropped, where kustomize prints them.
//!
//! JSON patches (RFC 6902) follow evanphx/json-patch v4, which kustomize uses.
//!
//! Every node keeps its origin: what a patch wrote carries the patch's file and bytes (cloned
//! from the patch as it is), what it left alone the target's; a map or list both sides have
//! keeps the target's origin for itself.
//!
//! Both functions work on a copy and replace the target only on success: an error leaves it
//! as it was.

use super::tree::{MAX_DEPTH, Node, Origin, Value};

/// What a strategic merge patch did to its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merged {
    /// The target is still there (patched).
    Kept,
    /// The patch is `$patch: delete` at its root: the object is removed from the output.
    Deleted,
}

/// Apply a strategic merge patch (as kustomize does) to `target`, an object of kind `kind`
/// (apiVersion `api_version`): its lists merge by the keys Kubernetes 1.21 declares for that
/// kind, and replace for kinds it does not know (custom resources). As kustomize does, the
/// object keeps its name, namespace and kind whatever the patch says (a patch applied through
/// a target selector may name another). An error (a field the patch gives another kind of
/// value, an unknown `$patch`) names the field.
pub fn strategic_merge(
    target: &mut Node,
    patch: &Node,
    api_version: &str,
    kind: &str,
) -> Result<Merged, String> {
    let mut work = target.clone();
    let mut patch = patch.clone();
    let schema = kind_schema(api_version, kind);
    match walk(Some(&mut work), Src::Node(&mut patch), schema, 0).map_err(Fail::render)? {
        Walked::Clear => Ok(Merged::Deleted),
        Walked::InPlace | Walked::Kept => {
            restore_identity(&mut work, target);
            *target = work;
            Ok(Merged::Kept)
        }
        // `$patch: replace` at the root: kyaml merges into a copy of the patch that kustomize
        // never reads back, so the object stays as it was.
        Walked::New(_) => Ok(Merged::Kept),
    }
}

/// Set the name, namespace and kind of `original` back on `patched` (kustomize's
/// `ApplySmPatch`: a namespace the original lacks is removed).
fn restore_identity(patched: &mut Node, original: &Node) {
    if let Some(kind) = original.get("kind") {
        patched.set("kind", kind.clone());
    }
    let name = original.path(&["metadata", "name"]);
    let namespace = original.path(&["metadata", "namespace"]);
    let origin = original
        .get("metadata")
        .map_or(original.origin, |m| m.origin);
    if name.is_none() && namespace.is_none() && patched.get("metadata").is_none() {
        return;
    }
    let Some(meta) = patched.map_at("metadata", origin) else {
        return;
    };
    if let Some(name) = name {
        meta.set("name", name.clone());
    }
    match namespace {
        Some(ns) => meta.set("namespace", ns.clone()),
        None => {
            meta.remove("namespace");
        }
    }
}

// ---------------------------------------------------------------------------------------
// The schema: which lists merge by key, per built-in kind.

/// What kustomize knows of a field from the Kubernetes 1.21 OpenAPI document it embeds; only
/// what changes a merge is written down (the lists merged by key and the fields on their way).
#[derive(Clone, Copy, Debug)]
enum Schema {
    /// A field of a built-in type below which no list merges by key.
    Opaque,
    /// An object with fields of interest (its other fields are `Opaque`).
    Obj(&'static [(&'static str, Schema)]),
    /// A list merged item by item, by these keys (none: a list of scalars merged as a set),
    /// whose items have this schema.
    Merge(&'static [&'static str], &'static Schema),
}

static OPAQUE: Schema = Schema::Opaque;

static META_FIELDS: [(&str, Schema); 2] = [
    ("finalizers", Schema::Merge(&[], &OPAQUE)),
    ("ownerReferences", Schema::Merge(&["uid"], &OPAQUE)),
];
static META: Schema = Schema::Obj(&META_FIELDS);

static CONTAINER_FIELDS: [(&str, Schema); 4] = [
    // `x-kubernetes-list-map-keys`, which kyaml prefers to the patch merge key.
    (
        "ports",
        Schema::Merge(&["containerPort", "protocol"], &OPAQUE),
    ),
    ("env", Schema::Merge(&["name"], &OPAQUE)),
    ("volumeMounts", Schema::Merge(&["mountPath"], &OPAQUE)),
    ("volumeDevices", Schema::Merge(&["devicePath"], &OPAQUE)),
];
static CONTAINER: Schema = Schema::Obj(&CONTAINER_FIELDS);

// In 1.21 the ports of an ephemeral container have no merge key: they replace.
static EPHEMERAL_FIELDS: [(&str, Schema); 3] = [
    ("env", Schema::Merge(&["name"], &OPAQUE)),
    ("volumeMounts", Schema::Merge(&["mountPath"], &OPAQUE)),
    ("volumeDevices", Schema::Merge(&["devicePath"], &OPAQUE)),
];
static EPHEMERAL: Schema = Schema::Obj(&EPHEMERAL_FIELDS);

static POD_SPEC_FIELDS: [(&str, Schema); 7] = [
    ("volumes", Schema::Merge(&["name"], &OPAQUE)),
    ("initContainers", Schema::Merge(&["name"], &CONTAINER)),
    ("containers", Schema::Merge(&["name"], &CONTAINER)),
    ("ephemeralContainers", Schema::Merge(&["name"], &EPHEMERAL)),
    ("imagePullSecrets", Schema::Merge(&["name"], &OPAQUE)),
    ("hostAliases", Schema::Merge(&["ip"], &OPAQUE)),
    (
        "topologySpreadConstraints",
        Schema::Merge(&["topologyKey", "whenUnsatisfiable"], &OPAQUE),
    ),
];
static POD_SPEC: Schema = Schema::Obj(&POD_SPEC_FIELDS);

static POD_TEMPLATE_SPEC_FIELDS: [(&str, Schema); 2] = [("metadata", META), ("spec", POD_SPEC)];
static POD_TEMPLATE_SPEC: Schema = Schema::Obj(&POD_TEMPLATE_SPEC_FIELDS);

static CONDITIONS_FIELDS: [(&str, Schema); 1] = [("conditions", Schema::Merge(&["type"], &OPAQUE))];
static CONDITIONS: Schema = Schema::Obj(&CONDITIONS_FIELDS);

/// The spec of a workload, and of a job template: `template` is a pod template.
static TEMPLATE_FIELDS: [(&str, Schema); 1] = [("template", POD_TEMPLATE_SPEC)];
static TEMPLATE: Schema = Schema::Obj(&TEMPLATE_FIELDS);

static WORKLOAD_FIELDS: [(&str, Schema); 3] = [
    ("metadata", META),
    ("spec", TEMPLATE),
    ("status", CONDITIONS),
];

static JOB_TEMPLATE_FIELDS: [(&str, Schema); 2] = [("metadata", META), ("spec", TEMPLATE)];
static CRONJOB_SPEC_FIELDS: [(&str, Schema); 1] =
    [("jobTemplate", Schema::Obj(&JOB_TEMPLATE_FIELDS))];
static CRONJOB_FIELDS: [(&str, Schema); 2] = [
    ("metadata", META),
    ("spec", Schema::Obj(&CRONJOB_SPEC_FIELDS)),
];

static POD_STATUS_FIELDS: [(&str, Schema); 2] = [
    ("conditions", Schema::Merge(&["type"], &OPAQUE)),
    ("podIPs", Schema::Merge(&["ip"], &OPAQUE)),
];
static POD_FIELDS: [(&str, Schema); 3] = [
    ("metadata", META),
    ("spec", POD_SPEC),
    ("status", Schema::Obj(&POD_STATUS_FIELDS)),
];

static POD_TEMPLATE_FIELDS: [(&str, Schema); 2] =
    [("metadata", META), ("template", POD_TEMPLATE_SPEC)];

static SERVICE_SPEC_FIELDS: [(&str, Schema); 1] =
    [("ports", Schema::Merge(&["port", "protocol"], &OPAQUE))];
static SERVICE_FIELDS: [(&str, Schema); 3] = [
    ("metadata", META),
    ("spec", Schema::Obj(&SERVICE_SPEC_FIELDS)),
    ("status", CONDITIONS),
];

static SERVICE_ACCOUNT_FIELDS: [(&str, Schema); 2] = [
    ("metadata", META),
    ("secrets", Schema::Merge(&["name"], &OPAQUE)),
];

static NODE_SPEC_FIELDS: [(&str, Schema); 1] = [("podCIDRs", Schema::Merge(&[], &OPAQUE))];
static NODE_STATUS_FIELDS: [(&str, Schema); 2] = [
    ("conditions", Schema::Merge(&["type"], &OPAQUE)),
    ("addresses", Schema::Merge(&["type"], &OPAQUE)),
];
static NODE_FIELDS: [(&str, Schema); 3] = [
    ("metadata", META),
    ("spec", Schema::Obj(&NODE_SPEC_FIELDS)),
    ("status", Schema::Obj(&NODE_STATUS_FIELDS)),
];

static COMPONENT_STATUS_FIELDS: [(&str, Schema); 2] = [
    ("metadata", META),
    ("conditions", Schema::Merge(&["type"], &OPAQUE)),
];

static WEBHOOK_CONFIGURATION_FIELDS: [(&str, Schema); 2] = [
    ("metadata", META),
    ("webhooks", Schema::Merge(&["name"], &OPAQUE)),
];

static STATUS_CONDITIONS_FIELDS: [(&str, Schema); 2] = [("metadata", META), ("status", CONDITIONS)];

static META_ONLY_FIELDS: [(&str, Schema); 1] = [("metadata", META)];

/// The schema of a kind of the Kubernetes 1.21 OpenAPI document kustomize embeds (the
/// versions it serves: not v1alpha1 ones, not those removed before 1.21 such as
/// `extensions/v1beta1` Deployment, not those added after such as `autoscaling/v2`); `None`
/// for the others, whose lists all replace.
fn kind_schema(api_version: &str, kind: &str) -> Option<Schema> {
    let fields: &'static [(&'static str, Schema)] = match (api_version, kind) {
        ("apps/v1", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet")
        | ("batch/v1", "Job")
        | ("v1", "ReplicationController") => &WORKLOAD_FIELDS,
        ("batch/v1" | "batch/v1beta1", "CronJob") => &CRONJOB_FIELDS,
        ("v1", "Pod") => &POD_FIELDS,
        ("v1", "PodTemplate") => &POD_TEMPLATE_FIELDS,
        ("v1", "Service") => &SERVICE_FIELDS,
        ("v1", "ServiceAccount") => &SERVICE_ACCOUNT_FIELDS,
        ("v1", "Node") => &NODE_FIELDS,
        ("v1", "ComponentStatus") => &COMPONENT_STATUS_FIELDS,
        (
            "admissionregistration.k8s.io/v1" | "admissionregistration.k8s.io/v1beta1",
            "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration",
        ) => &WEBHOOK_CONFIGURATION_FIELDS,
        ("v1", "Namespace" | "PersistentVolumeClaim")
        | ("policy/v1" | "policy/v1beta1", "PodDisruptionBudget")
        | ("apiregistration.k8s.io/v1" | "apiregistration.k8s.io/v1beta1", "APIService") => {
            &STATUS_CONDITIONS_FIELDS
        }
        _ if built_in(api_version, kind) => &META_ONLY_FIELDS,
        _ => return None,
    };
    Some(Schema::Obj(fields))
}

/// The other kinds of the document (their metadata's finalizers and owner references merge).
fn built_in(api_version: &str, kind: &str) -> bool {
    let kinds: &[&str] = match api_version {
        "v1" => &[
            "Binding",
            "ConfigMap",
            "Endpoints",
            "Event",
            "LimitRange",
            "PersistentVolume",
            "ResourceQuota",
            "Secret",
        ],
        "apiextensions.k8s.io/v1" | "apiextensions.k8s.io/v1beta1" => &["CustomResourceDefinition"],
        "apps/v1" => &["ControllerRevision"],
        "authentication.k8s.io/v1" => &["TokenRequest", "TokenReview"],
        "authentication.k8s.io/v1beta1" => &["TokenReview"],
        "authorization.k8s.io/v1" | "authorization.k8s.io/v1beta1" => &[
            "LocalSubjectAccessReview",
            "SelfSubjectAccessReview",
            "SelfSubjectRulesReview",
            "SubjectAccessReview",
        ],
        "autoscaling/v1" => &["HorizontalPodAutoscaler", "Scale"],
        "autoscaling/v2beta1" | "autoscaling/v2beta2" => &["HorizontalPodAutoscaler"],
        "certificates.k8s.io/v1" | "certificates.k8s.io/v1beta1" => &["CertificateSigningRequest"],
        "coordination.k8s.io/v1" | "coordination.k8s.io/v1beta1" => &["Lease"],
        "discovery.k8s.io/v1" | "discovery.k8s.io/v1beta1" => &["EndpointSlice"],
        "events.k8s.io/v1" | "events.k8s.io/v1beta1" => &["Event"],
        "extensions/v1beta1" => &["Ingress"],
        "flowcontrol.apiserver.k8s.io/v1beta1" => &["FlowSchema", "PriorityLevelConfiguration"],
        "networking.k8s.io/v1" => &["Ingress", "IngressClass", "NetworkPolicy"],
        "networking.k8s.io/v1beta1" => &["Ingress", "IngressClass"],
        "node.k8s.io/v1" | "node.k8s.io/v1beta1" => &["RuntimeClass"],
        "policy/v1beta1" => &["Eviction", "PodSecurityPolicy"],
        "rbac.authorization.k8s.io/v1" | "rbac.authorization.k8s.io/v1beta1" => {
            &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]
        }
        "scheduling.k8s.io/v1" | "scheduling.k8s.io/v1beta1" => &["PriorityClass"],
        "storage.k8s.io/v1" => &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        "storage.k8s.io/v1beta1" => &[
            "CSIDriver",
            "CSINode",
            "CSIStorageCapacity",
            "StorageClass",
            "VolumeAttachment",
        ],
        _ => &[],
    };
    kinds.contains(&kind)
}

impl Schema {
    /// The schema of field `name`. A built-in type's field not written down here is
    /// `Opaque` (kyaml would find it, or nothing, which merges the same); a list has no
    /// fields.
    fn field(self, name: &str) -> Option<Schema> {
        match self {
            Schema::Opaque => Some(Schema::Opaque),
            Schema::Obj(fields) => Some(
                fields
                    .iter()
                    .find(|(f, _)| *f == name)
                    .map_or(Schema::Opaque, |(_, s)| *s),
            ),
            Schema::Merge(..) => None,
        }
    }
}

/// kyaml looks a schema up again wherever it has none: a map with an apiVersion and kind
/// (an object embedded in a custom resource) is merged as that kind.
fn embedded_schema(node: &Node) -> Option<Schema> {
    let api_version = value_of(node, "apiVersion").and_then(Node::as_str)?;
    let kind = value_of(node, "kind").and_then(Node::as_str)?;
    if api_version.is_empty() || kind.is_empty() {
        return None;
    }
    kind_schema(api_version, kind)
}

// ---------------------------------------------------------------------------------------
// The strategic merge walk (kyaml's walk.Walker with merge2.Merger as its visitor).
//
// kyaml edits the patch as it reads it (it removes the directives it obeys, and merges a value
// it adds against itself in place), and may read the same patch node twice: the walk works on
// a copy of the patch, edited the same way, and what goes into the target is cloned from it.

/// The patch's side of a walk.
enum Src<'p> {
    /// The patch has nothing here.
    Missing,
    /// The patch's node (of the walk's own copy of the patch).
    Node(&'p mut Node),
    /// A value the patch adds is walked against itself: both sides are the node walked.
    Dest,
}

/// What a walk made of a field or item.
enum Walked {
    /// The target's node, merged in place.
    InPlace,
    /// A null the target wrote (`null`, `~`), kept: kyaml keeps those the patch does not
    /// mention, not the empty ones.
    Kept,
    /// A new value (from the patch); the target's node is untouched.
    New(Node),
    /// The field or item goes.
    Clear,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

/// An error, and where (innermost step first: the path is built as the error unwinds).
struct Fail {
    msg: String,
    path: Vec<String>,
}

impl Fail {
    fn new(msg: impl Into<String>) -> Fail {
        Fail {
            msg: msg.into(),
            path: Vec::new(),
        }
    }
    fn at(mut self, step: String) -> Fail {
        self.path.push(step);
        self
    }
    fn render(self) -> String {
        if self.path.is_empty() {
            return self.msg;
        }
        let mut path = String::new();
        for step in self.path.iter().rev() {
            if !path.is_empty() && !step.starts_with('[') {
                path.push('.');
            }
            path.push_str(step);
        }
        format!("at {path}: {}", self.msg)
    }
}

/// The text of a scalar as kyaml compares it (`Value`): empty for a map or a list.
fn text(node: &Node) -> &str {
    match &node.value {
        Value::Scalar(s) => &s.text,
        _ => "",
    }
}

/// The first entry with key `key` (kyaml matches keys by their text).
fn position_of(entries: &[(Node, Node)], key: &str) -> Option<usize> {
    entries.iter().position(|(k, _)| text(k) == key)
}

fn value_of<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    let entries = node.entries();
    position_of(entries, key)
        .and_then(|i| entries.get(i))
        .map(|(_, v)| v)
}

/// A scalar written as nothing (`key:`): the parser reads it as `~`, over no bytes.
fn written_empty(node: &Node) -> bool {
    let span = node.origin.span;
    text(node).is_empty() || (!node.origin.is_none() && span.start == span.end)
}

fn is_empty_map(node: &Node) -> bool {
    matches!(&node.value, Value::Map(e) if e.is_empty())
}

fn kind_name(node: &Node) -> &'static str {
    match node.value {
        Value::Scalar(_) => "scalar",
        Value::Seq(_) => "list",
        Value::Map(_) => "map",
    }
}

fn same_kind(a: &Node, b: &Node) -> bool {
    std::mem::discriminant(&a.value) == std::mem::discriminant(&b.value)
}

/// Directive keys kustomize does not implement (it copies them into its output).
fn inert_directive(key: &str) -> bool {
    key == "$retainKeys"
        || key.starts_with("$setElementOrder/")
        || key.starts_with("$deleteFromPrimitiveList/")
}

/// Drop every directive key from the maps of `node`.
fn strip_directives(node: &mut Node) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &mut n.value {
            Value::Map(entries) => {
                entries.retain(|(k, _)| {
                    let k = text(k);
                    !(inert_directive(k) || k == "$patch")
                });
                stack.extend(entries.iter_mut().map(|(_, v)| v));
            }
            Value::Seq(items) => stack.extend(items.iter_mut()),
            Value::Scalar(_) => {}
        }
    }
}

/// A value the patch adds, as it is (with its origins). kustomize prints the directives it
/// did not obey (`$retainKeys`, `$setElementOrder/…`, `$deleteFromPrimitiveList/…`, a `$patch`
/// where it reads none); they are dropped instead, unapplied.
fn from_patch(node: &Node) -> Node {
    let mut copy = node.clone();
    strip_directives(&mut copy);
    copy
}

fn remove_key(node: &mut Node, key: &str) {
    if let Value::Map(entries) = &mut node.value
        && let Some(i) = position_of(entries, key)
        && i < entries.len()
    {
        entries.remove(i);
    }
}

fn read_directive(text: &str) -> Result<Directive, Fail> {
    match text {
        "merge" => Ok(Directive::Merge),
        "replace" => Ok(Directive::Replace),
        "delete" => Ok(Directive::Delete),
        other => Err(Fail::new(format!(
            "unknown patch strategy '{other}' (expected merge, replace or delete)"
        ))),
    }
}

/// The `$patch` directive of a map (none without one), removed from it once read, as kyaml
/// does.
fn map_directive(node: &mut Node) -> Result<Option<Directive>, Fail> {
    let Some(v) = value_of(node, "$patch") else {
        return Ok(None);
    };
    let d = read_directive(text(v))?;
    remove_key(node, "$patch");
    Ok(Some(d))
}

/// The directive of a list: its first item with a `$patch`, when that is its only key
/// (`- $patch: replace`). Once read, kyaml removes the items with that directive (and the
/// null and empty ones) from the list.
fn list_directive(list: &mut Node) -> Result<Option<Directive>, Fail> {
    let Value::Seq(items) = &mut list.value else {
        return Ok(None);
    };
    let Some(first) = items
        .iter()
        .find(|i| i.is_map() && position_of(i.entries(), "$patch").is_some())
    else {
        return Ok(None);
    };
    if first.entries().len() > 1 {
        return Ok(None);
    }
    let v = value_of(first, "$patch").map_or("", text).to_string();
    let d = read_directive(&v)?;
    element_setter(items, None, &["$patch".to_string()], &[v])?;
    Ok(Some(d))
}

/// Walk the target's node `dest` (none: the target has no such field) against the patch's.
fn walk(
    dest: Option<&mut Node>,
    src: Src,
    schema: Option<Schema>,
    depth: usize,
) -> Result<Walked, Fail> {
    // Trees are at most MAX_DEPTH deep and a merge only nests the patch's nodes where the
    // patch has them: deeper is a bug, not input.
    if depth > MAX_DEPTH + 1 {
        return Err(Fail::new("nested too deep to merge"));
    }
    let (schema, kind) = {
        let d = dest.as_deref();
        let s = match &src {
            Src::Node(p) => Some(&**p),
            Src::Dest => d,
            Src::Missing => None,
        };
        let schema = schema.or_else(|| {
            [d, s]
                .into_iter()
                .flatten()
                .filter(|n| !n.is_null())
                .find_map(embedded_schema)
        });
        // The kind is the first non-null side's; the other must be of it (or null).
        let d = d.filter(|n| !n.is_null());
        let s = s.filter(|n| !n.is_null());
        if let (Some(d), Some(s)) = (d, s)
            && !same_kind(d, s)
        {
            return Err(Fail::new(format!(
                "the patch has a {} where the target has a {}",
                kind_name(s),
                kind_name(d)
            )));
        }
        (schema, d.or(s).map(|n| kind_name(n)))
    };
    match kind {
        None | Some("map") => walk_map(dest, src, schema, depth),
        Some("list") => match schema {
            Some(Schema::Merge(keys, item)) => walk_merged_list(dest, src, keys, *item, depth),
            _ => Ok(visit_plain(src)),
        },
        Some(_) => Ok(visit_plain(src)),
    }
}

/// A scalar, or a list that does not merge by key: the patch's replaces the target's.
fn visit_plain(src: Src) -> Walked {
    match src {
        Src::Node(p) => Walked::New(from_patch(p)),
        Src::Dest | Src::Missing => Walked::InPlace,
    }
}

fn walk_map(
    dest: Option<&mut Node>,
    src: Src,
    schema: Option<Schema>,
    depth: usize,
) -> Result<Walked, Fail> {
    let dest = match dest {
        Some(d) if !d.is_null() => d,
        other => {
            // A null written as `null` or `~` stays when the patch does not mention it, an
            // empty one goes.
            let kept = other.is_some_and(|d| !written_empty(d));
            return walk_missing_map(kept, src, schema, depth);
        }
    };
    match src {
        Src::Missing => {
            walk_fields(dest, Src::Missing, schema, depth)?;
            Ok(Walked::InPlace)
        }
        Src::Node(p) if p.is_null() => Ok(Walked::Clear),
        Src::Node(p) => match map_directive(p)? {
            Some(Directive::Delete) => Ok(Walked::Clear),
            Some(Directive::Replace) => {
                walk_fields(p, Src::Dest, schema, depth)?;
                Ok(Walked::New(from_patch(p)))
            }
            _ => {
                walk_fields(dest, Src::Node(p), schema, depth)?;
                Ok(Walked::InPlace)
            }
        },
        Src::Dest => {
            if map_directive(dest)? == Some(Directive::Delete) {
                return Ok(Walked::Clear);
            }
            walk_fields(dest, Src::Dest, schema, depth)?;
            Ok(Walked::InPlace)
        }
    }
}

/// kyaml's map visit where the target has nothing (or null): the patch's value is added,
/// merged against itself first.
fn walk_missing_map(
    kept_null: bool,
    src: Src,
    schema: Option<Schema>,
    depth: usize,
) -> Result<Walked, Fail> {
    Ok(match src {
        Src::Node(p) => {
            // An unknown directive is no error here (kyaml ignores it): only delete counts.
            if p.is_map() && matches!(map_directive(p), Ok(Some(Directive::Delete))) {
                return Ok(Walked::Clear);
            }
            walk_fields(p, Src::Dest, schema, depth)?;
            Walked::New(from_patch(p))
        }
        Src::Missing if kept_null => Walked::Kept,
        Src::Missing => Walked::Clear,
        // The patch's own null, walked against itself: the field setter drops it.
        Src::Dest => Walked::InPlace,
    })
}

/// Merge the fields of `src` into the map `dest`: every field of either side, in sorted
/// order (so fields the patch adds are appended sorted by name).
fn walk_fields(
    dest: &mut Node,
    src: Src,
    schema: Option<Schema>,
    depth: usize,
) -> Result<(), Fail> {
    // kyaml's walker of a null (the patch's own) finds no fields.
    let Value::Map(entries) = &mut dest.value else {
        return Ok(());
    };
    let alias = matches!(src, Src::Dest);
    let mut patch = match src {
        Src::Node(p) => match &mut p.value {
            Value::Map(e) => Some(e),
            _ => None,
        },
        _ => None,
    };
    let mut names: Vec<String> = entries
        .iter()
        .chain(patch.iter().flat_map(|e| e.iter()))
        .map(|(k, _)| text(k).to_string())
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        let at = position_of(entries, &name);
        let from = patch
            .as_deref_mut()
            .filter(|_| !inert_directive(&name))
            .and_then(|e| {
                let i = position_of(e, &name)?;
                e.get_mut(i)
            });
        let key = from.as_ref().map(|(k, _)| k.clone());
        let side = match from {
            Some((_, v)) => Src::Node(v),
            None if alias && at.is_some() => Src::Dest,
            None => Src::Missing,
        };
        if at.is_none() && matches!(side, Src::Missing) {
            // A directive kustomize ignores (it would add it).
            continue;
        }
        let slot = at.and_then(|i| entries.get_mut(i)).map(|(_, v)| v);
        let field_schema = schema.and_then(|s| s.field(&name));
        let walked = walk(slot, side, field_schema, depth + 1).map_err(|e| e.at(name.clone()))?;
        // kyaml's field setter: a null clears the field.
        let drop_at = |entries: &mut Vec<(Node, Node)>| {
            if let Some(i) = at.filter(|&i| i < entries.len()) {
                entries.remove(i);
            }
        };
        match walked {
            Walked::Clear => drop_at(entries),
            Walked::Kept => {}
            Walked::InPlace => {
                if at
                    .and_then(|i| entries.get(i))
                    .is_some_and(|(_, v)| v.is_null())
                {
                    drop_at(entries);
                }
            }
            Walked::New(value) if value.is_null() => drop_at(entries),
            Walked::New(value) => match at.and_then(|i| entries.get_mut(i)) {
                Some((_, v)) => *v = value,
                None => {
                    if let Some(k) = key {
                        entries.push((k, value));
                    }
                }
            },
        }
    }
    Ok(())
}

/// A list merged by `keys` (none: a set of scalars): kyaml's associative list walk, with
/// kustomize's option that puts the patch's items first.
fn walk_merged_list(
    dest: Option<&mut Node>,
    src: Src,
    keys: &'static [&'static str],
    item: Schema,
    depth: usize,
) -> Result<Walked, Fail> {
    let Some(dest) = dest.filter(|d| !d.is_null()) else {
        // The patch's list is added (its directive unread), merged against itself first.
        let Src::Node(p) = src else {
            return Ok(Walked::Clear);
        };
        merge_list(p, Src::Dest, keys, item, depth)?;
        return Ok(Walked::New(from_patch(p)));
    };
    match src {
        Src::Missing => merge_list(dest, Src::Missing, keys, item, depth)?,
        Src::Node(p) if p.is_null() => return Ok(Walked::Clear),
        Src::Node(p) => match list_directive(p)? {
            Some(Directive::Delete) => return Ok(Walked::Clear),
            Some(Directive::Replace) => {
                merge_list(p, Src::Dest, keys, item, depth)?;
                return Ok(Walked::New(from_patch(p)));
            }
            _ => merge_list(dest, Src::Node(p), keys, item, depth)?,
        },
        Src::Dest => {
            if list_directive(dest)? == Some(Directive::Delete) {
                return Ok(Walked::Clear);
            }
            merge_list(dest, Src::Dest, keys, item, depth)?;
        }
    }
    Ok(Walked::InPlace)
}

/// The values of `keys` in an item ("" where it has none, or null, or an empty collection).
fn key_values(item: &Node, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|k| match value_of(item, k) {
            Some(v) if !v.is_null() => text(v).to_string(),
            _ => String::new(),
        })
        .collect()
}

fn merge_list(
    list: &mut Node,
    src: Src,
    keys: &'static [&'static str],
    item: Schema,
    depth: usize,
) -> Result<(), Fail> {
    let Value::Seq(items) = &mut list.value else {
        return Ok(());
    };
    let alias = matches!(src, Src::Dest);
    let mut no_items = Vec::new();
    let src_items = match src {
        Src::Node(p) => match &mut p.value {
            Value::Seq(s) => s,
            _ => &mut no_items,
        },
        _ => &mut no_items,
    };
    // The items' key values, the patch's first, each once. A list of scalars (finalizers)
    // has no keys: its items are their own.
    let keys_used: Vec<String> = if keys.is_empty() {
        vec![String::new()]
    } else {
        keys.iter().map(|k| k.to_string()).collect()
    };
    let mut values: Vec<Vec<String>> = Vec::new();
    for n in src_items.iter().chain(items.iter()) {
        let v = if keys.is_empty() {
            vec![text(n).to_string()]
        } else {
            key_values(n, keys)
        };
        if !values.contains(&v) {
            values.push(v);
        }
    }
    set_elements(items, src_items, alias, values, &keys_used, item, depth)
}

/// Port of kyaml's `setAssociativeSequenceElements` (prepend mode).
fn set_elements(
    dest: &mut Vec<Node>,
    src_items: &mut [Node],
    alias: bool,
    mut values_list: Vec<Vec<String>>,
    keys: &[String],
    item: Schema,
    depth: usize,
) -> Result<(), Fail> {
    let mut added: Vec<Node> = Vec::new();
    if keys.len() > 1 {
        merge_values(&mut values_list);
    }
    let mut valid_keys: Vec<String> = Vec::new();
    for values in &values_list {
        if values.is_empty() {
            continue;
        }
        let (vk, vv) = validate_keys(&values_list, values, keys);
        valid_keys.clone_from(&vk);
        let (lk, lv) = validate_keys(std::slice::from_ref(&vv), &vv, &vk);
        let at = element_list(dest, &lk, &lv);
        let side = if alias {
            if at.is_some() {
                Src::Dest
            } else {
                Src::Missing
            }
        } else {
            match element_list(src_items, &lk, &lv).and_then(|i| src_items.get_mut(i)) {
                Some(n) => Src::Node(n),
                None => Src::Missing,
            }
        };
        let step = || format!("[{}]", describe_key(&lk, &lv));
        let walked = walk(
            at.and_then(|i| dest.get_mut(i)),
            side,
            Some(item),
            depth + 1,
        )
        .map_err(|e| e.at(step()))?;
        let in_place = matches!(walked, Walked::InPlace | Walked::Kept);
        let val = match walked {
            Walked::Clear => None,
            Walked::InPlace | Walked::Kept => at.and_then(|i| dest.get(i)).cloned(),
            Walked::New(n) => Some(n),
        };
        let Some(mut val) = val.filter(|v| !v.is_null() && !is_empty_map(v)) else {
            // Nothing left of the item: delete it (kyaml deletes every item that has the
            // keys with these values, or just the keys where a value is empty).
            element_setter(dest, None, &vk, &vv).map_err(|e| e.at(step()))?;
            continue;
        };
        // An item merged by fewer keys than it had gets its key back.
        let mut changed = false;
        if let Value::Map(entries) = &mut val.value {
            for (k, v) in vk.iter().zip(&vv) {
                if !k.is_empty() && !v.is_empty() && position_of(entries, k).is_none() {
                    entries.push((
                        Node::string(k.clone(), Origin::NONE),
                        Node::plain(v.clone(), Origin::NONE),
                    ));
                    changed = true;
                }
            }
        }
        if changed
            && in_place
            && let Some(d) = at.and_then(|i| dest.get_mut(i))
        {
            // kyaml's item and the target's are one node.
            *d = val.clone();
        }
        element_setter(&mut added, Some(val), &vk, &vv).map_err(|e| e.at(step()))?;
    }
    if !values_list.is_empty() {
        // kustomize prepends: the target's items are set into the new ones (replacing the
        // one with the same keys, which is how `$patch: replace` on an item is undone).
        let old = std::mem::take(dest);
        append_list(&mut added, old, &valid_keys)?;
        *dest = added;
    }
    Ok(())
}

fn describe_key(keys: &[String], values: &[String]) -> String {
    if values.iter().all(String::is_empty) {
        return format!("item without {}", keys.join(" or "));
    }
    keys.iter()
        .zip(values)
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// kyaml's `mergeValues`: key tuples that agree where both have a value are one item (a
/// port without protocol is the port with one).
fn merge_values(values_list: &mut [Vec<String>]) {
    let n = values_list.len();
    for i in 0..n {
        // Go ranges over a copy of each tuple taken when the outer step starts.
        let Some(first) = values_list.get(i).cloned() else {
            continue;
        };
        for j in 0..n {
            let Some(second) = values_list.get(j) else {
                continue;
            };
            if let Some(merged) = match_values(&first, second) {
                if let Some(slot) = values_list.get_mut(i) {
                    slot.clone_from(&merged);
                }
                if let Some(slot) = values_list.get_mut(j) {
                    *slot = merged;
                }
            }
        }
    }
}

fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut merged = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            merged.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if x.is_empty() {
            merged.push(y.clone());
        } else {
            merged.push(x.clone());
        }
    }
    common.then_some(merged)
}

/// kyaml's `validateKeys`: the keys any tuple has a value for, and this tuple's values of
/// them (all keys when no tuple has any).
fn validate_keys(
    values_list: &[Vec<String>],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    let mut has: Vec<&str> = Vec::new();
    for vs in values_list {
        for (k, v) in keys.iter().zip(vs) {
            if !v.is_empty() && !has.contains(&k.as_str()) {
                has.push(k);
            }
        }
    }
    if has.is_empty() {
        return (keys.to_vec(), values.to_vec());
    }
    let valid_keys = keys
        .iter()
        .filter(|k| has.contains(&k.as_str()))
        .cloned()
        .collect();
    let valid_values = values
        .iter()
        .zip(keys)
        .filter(|(v, k)| !v.is_empty() || has.contains(&k.as_str()))
        .map(|(v, _)| v.clone())
        .collect();
    (valid_keys, valid_values)
}

/// kyaml's `ElementList`: the first item whose keys have these values (a scalar list: whose
/// text is the value).
fn element_list(items: &[Node], keys: &[String], values: &[String]) -> Option<usize> {
    let first_key = keys.first().map_or("", String::as_str);
    let first_value = values.first().map_or("", String::as_str);
    if first_key.is_empty() {
        return items.iter().position(|n| text(n) == first_value);
    }
    if keys.len() != values.len() {
        return None;
    }
    items.iter().position(|n| {
        n.is_map()
            && keys.iter().zip(values).all(|(k, v)| {
                n.entries()
                    .iter()
                    .any(|(ek, ev)| text(ek) == k && text(ev) == v)
            })
    })
}

/// kyaml's `FieldMatcher` as `ElementSetter` uses it: does `item` have field `name` (with
/// text `value`, unless that is empty)? A scalar list's item (`name` empty) has its text.
fn field_matcher(item: &Node, name: &str, value: &str) -> Result<bool, Fail> {
    if item.is_null() {
        return Ok(false);
    }
    if name.is_empty() {
        if !matches!(item.value, Value::Scalar(_)) {
            return Err(Fail::new(format!(
                "a {} in a list of scalars merged as a set",
                kind_name(item)
            )));
        }
        return Ok(text(item) == value);
    }
    if !item.is_map() {
        return Err(Fail::new(format!(
            "a {} in a list merged by its items' {name}: expected maps",
            kind_name(item)
        )));
    }
    Ok(item
        .entries()
        .iter()
        .any(|(k, v)| text(k) == name && (value.is_empty() || text(v) == value)))
}

/// kyaml's `ElementSetter`: replace the items matching `keys`/`values` by `element`, or
/// append it when none does; delete them when there is no element. On the way it drops null
/// and empty items, and (with no values) every item it does not match.
fn element_setter(
    list: &mut Vec<Node>,
    element: Option<Node>,
    keys: &[String],
    values: &[String],
) -> Result<(), Fail> {
    let empty = [String::new()];
    let keys = if keys.is_empty() { &empty[..] } else { keys };
    let mapping_setter = keys.first().is_some_and(|k| !k.is_empty())
        && values.first().is_some_and(|v| !v.is_empty());
    let old = std::mem::take(list);
    let mut matched = false;
    for item in old {
        if item.is_null() || is_empty_map(&item) {
            continue;
        }
        if !item.is_map() && mapping_setter {
            list.push(item);
            continue;
        }
        // Go keeps the last matcher's result for keys past the values: a key without a
        // value matches whatever the previous one did.
        let mut hit = false;
        let mut found = true;
        for (j, key) in keys.iter().enumerate() {
            if let Some(v) = values.get(j) {
                hit = field_matcher(&item, key, v)?;
            }
            if !hit {
                found = false;
                break;
            }
        }
        if !found {
            if !values.is_empty() {
                list.push(item);
            }
            continue;
        }
        matched = true;
        if let Some(e) = &element {
            list.push(e.clone());
        }
    }
    if let Some(e) = element
        && !e.is_null()
        && !matched
    {
        list.push(e);
    }
    Ok(())
}

/// kyaml's `appendListNode`: set each of `items` into `into`, by its values of `keys`.
fn append_list(into: &mut Vec<Node>, items: Vec<Node>, keys: &[String]) -> Result<(), Fail> {
    for item in items {
        if keys.first().is_none_or(|k| k.is_empty()) {
            let v = [text(&item).to_string()];
            element_setter(into, Some(item), &[String::new()], &v)?;
            continue;
        }
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            if !item.is_null() && !item.is_map() {
                return Err(Fail::new(format!(
                    "a {} in a list merged by its items' {key}: expected maps",
                    kind_name(&item)
                )));
            }
            match value_of(&item, key) {
                Some(v) => values.push(text(v).to_string()),
                // An item without the key is appended as it is (once per missing key).
                None => into.push(item.clone()),
            }
        }
        if keys.len() > 1 {
            element_setter(into, None, keys, &values)?;
        }
        element_setter(into, Some(item), keys, &values)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// JSON patch (RFC 6902), as evanphx/json-patch v4 applies it for kustomize.

/// Apply an RFC 6902 JSON patch (`ops`: the list of operations add, remove, replace, move,
/// copy and test) to `target`. Values are cloned from `ops` (they keep the patch's origins);
/// a moved or copied value keeps its own.
pub fn json6902(target: &mut Node, ops: &Node) -> Result<(), String> {
    let mut budget = MAX_GROWTH;
    json6902_within(target, ops, &mut budget)
}

/// Nodes one JSON patch may add by default: `copy` doubles a value at each operation, so
/// growth is budgeted (as alias expansion is).
pub const MAX_GROWTH: usize = 1_000_000;

/// [`json6902`], the nodes it adds (values, copies) taken from `budget`: past it, an error.
pub fn json6902_within(target: &mut Node, ops: &Node, budget: &mut usize) -> Result<(), String> {
    let Value::Seq(list) = &ops.value else {
        return Err(format!(
            "a JSON patch is a list of operations, not a {}",
            kind_name(ops)
        ));
    };
    let mut doc = target.clone();
    let mut left = *budget;
    for (i, op) in list.iter().enumerate() {
        apply_op(&mut doc, op, &mut left).map_err(|e| {
            let name = value_of(op, "op").map_or("?", text);
            let path = value_of(op, "path").map_or("", text);
            let what = match value_of(op, "from") {
                Some(from) if matches!(name, "move" | "copy") => {
                    format!("{name} {} to {path}", text(from))
                }
                _ if path.is_empty() => name.to_string(),
                _ => format!("{name} {path}"),
            };
            format!("JSON patch operation {} ({what}): {e}", i + 1)
        })?;
    }
    *target = doc;
    *budget = left;
    Ok(())
}

/// Take a value's nodes from `budget` (counting stops once it is exceeded).
pub fn charge(value: &Node, budget: &mut usize) -> Result<(), String> {
    let mut stack = vec![value];
    while let Some(n) = stack.pop() {
        *budget = budget.checked_sub(1).ok_or_else(|| {
            "the patched object grows past the renderer's node budget (copies of copies)"
                .to_string()
        })?;
        match &n.value {
            Value::Seq(items) => stack.extend(items),
            Value::Map(e) => {
                for (k, v) in e {
                    stack.push(k);
                    stack.push(v);
                }
            }
            Value::Scalar(_) => {}
        }
    }
    Ok(())
}

fn string_field<'o>(op: &'o Node, field: &str) -> Result<&'o Node, String> {
    match value_of(op, field) {
        Some(v) if matches!(v.value, Value::Scalar(_)) && !v.is_null() => Ok(v),
        Some(_) => Err(format!("its {field} is not a string")),
        None => Err(format!("it has no {field}")),
    }
}

fn apply_op(doc: &mut Node, op: &Node, budget: &mut usize) -> Result<(), String> {
    if !op.is_map() {
        return Err(format!("an operation is a map, not a {}", kind_name(op)));
    }
    let name = string_field(op, "op").map(text).unwrap_or("unknown");
    if !matches!(
        name,
        "add" | "remove" | "replace" | "move" | "copy" | "test"
    ) {
        return Err(format!(
            "unknown operation '{name}' (expected add, remove, replace, move, copy or test)"
        ));
    }
    let path_node = string_field(op, "path")?;
    let path = text(path_node);
    // An operation without a value has null (kustomize adds a null).
    let value = || {
        value_of(op, "value")
            .cloned()
            .unwrap_or_else(|| Node::null(op.origin))
    };
    match name {
        "add" => {
            let v = value();
            charge(&v, budget)?;
            add(doc, path, v, path_node.origin)
        }
        "remove" => remove(doc, path).map(drop),
        "replace" => {
            let v = value();
            charge(&v, budget)?;
            replace(doc, path, v, path_node.origin)
        }
        "move" => {
            let from = text(string_field(op, "from")?);
            let moved = remove(doc, from).map_err(|e| format!("from: {e}"))?;
            add(doc, path, moved, path_node.origin)
        }
        "copy" => {
            let from = text(string_field(op, "from")?);
            let (parents, key) = split_pointer(from).map_err(|e| format!("from: {e}"))?;
            let con = find_container(doc, &parents).ok_or_else(|| missing_parent(from))?;
            // A missing key of a map reads as null (as a JSON null does).
            // Counted before it is cloned: a copy of a copy doubles the tree.
            let found = get(con, &key).map_err(|e| format!("from: {e}"))?;
            if let Some(v) = found {
                charge(v, budget)?;
            }
            let copied = found.cloned().unwrap_or_else(|| Node::null(op.origin));
            add(doc, path, copied, path_node.origin)
        }
        _ => test(doc, path, value_of(op, "value")),
    }
}

/// A JSON pointer's parent steps and last step, `~1` and `~0` decoded. As json-patch v4
/// does, the first step is dropped whatever it is (`a/b` is `/b`).
fn split_pointer(path: &str) -> Result<(Vec<String>, String), String> {
    let decode = |s: &str| s.replace("~1", "/").replace("~0", "~");
    let mut steps: Vec<String> = path.split('/').skip(1).map(decode).collect();
    match steps.pop() {
        Some(key) => Ok((steps, key)),
        None => Err(format!(
            "path '{path}' is not a JSON pointer to a field (the document itself cannot be patched)"
        )),
    }
}

fn missing_parent(path: &str) -> String {
    let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
    format!("'{parent}' does not exist (or is not a map or a list)")
}

/// The map or list at `steps` from `doc`.
fn find_container<'d>(doc: &'d mut Node, steps: &[String]) -> Option<&'d mut Node> {
    let mut cur = doc;
    for step in steps {
        let next = match &mut cur.value {
            Value::Map(entries) => {
                let i = position_of(entries, step)?;
                entries.get_mut(i).map(|(_, v)| v)?
            }
            Value::Seq(items) => {
                let i = index(step, items.len(), false)?;
                items.get_mut(i)?
            }
            Value::Scalar(_) => return None,
        };
        if next.is_null() || matches!(next.value, Value::Scalar(_)) {
            return None;
        }
        cur = next;
    }
    Some(cur)
}

/// A list index as json-patch v4 reads it: an integer (leading `+`, zeros and negative
/// values from the end allowed) below `len` (or up to `len` when inserting).
fn index(step: &str, len: usize, insert: bool) -> Option<usize> {
    let i: i64 = step.parse().ok()?;
    let size = i64::try_from(len).ok()?.checked_add(i64::from(insert))?;
    let i = if i < 0 { i.checked_add(size)? } else { i };
    if i < 0 || i >= size {
        return None;
    }
    usize::try_from(i).ok()
}

fn bad_index(step: &str, len: usize) -> String {
    format!("'{step}' is not an index of the list (it has {len} items)")
}

/// The value at `key` of a container: none for a missing key of a map (which json-patch
/// does not tell from null), an error for a bad index of a list.
fn get<'c>(con: &'c Node, key: &str) -> Result<Option<&'c Node>, String> {
    match &con.value {
        Value::Map(entries) => Ok(position_of(entries, key)
            .and_then(|i| entries.get(i))
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())),
        Value::Seq(items) => index(key, items.len(), false)
            .and_then(|i| items.get(i))
            .map(Some)
            .ok_or_else(|| bad_index(key, items.len())),
        Value::Scalar(_) => Err("not a map or a list".into()),
    }
}

/// The height of a tree (a scalar: 0), without recursion.
fn height(node: &Node) -> usize {
    let mut max = 0;
    let mut stack = vec![(node, 0usize)];
    while let Some((n, d)) = stack.pop() {
        max = max.max(d);
        match &n.value {
            Value::Seq(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Value::Map(entries) => {
                for (k, v) in entries {
                    stack.push((k, d + 1));
                    stack.push((v, d + 1));
                }
            }
            Value::Scalar(_) => {}
        }
    }
    max
}

/// Trees stay within MAX_DEPTH (the renderer recurses on them): a value may not be put
/// deeper.
fn check_depth(parents: &[String], value: &Node) -> Result<(), String> {
    if parents.len() + 1 + height(value) > MAX_DEPTH {
        return Err(format!(
            "the value would nest deeper than {MAX_DEPTH} levels"
        ));
    }
    Ok(())
}

fn add(doc: &mut Node, path: &str, value: Node, key_origin: Origin) -> Result<(), String> {
    let (parents, key) = split_pointer(path)?;
    check_depth(&parents, &value)?;
    let con = find_container(doc, &parents).ok_or_else(|| missing_parent(path))?;
    match &mut con.value {
        Value::Map(entries) => match position_of(entries, &key).and_then(|i| entries.get_mut(i)) {
            Some((_, v)) => *v = value,
            None => entries.push((Node::string(key, key_origin), value)),
        },
        Value::Seq(items) => {
            if key == "-" {
                items.push(value);
            } else {
                let i =
                    index(&key, items.len(), true).ok_or_else(|| bad_index(&key, items.len()))?;
                items.insert(i, value);
            }
        }
        Value::Scalar(_) => return Err(missing_parent(path)),
    }
    Ok(())
}

fn remove(doc: &mut Node, path: &str) -> Result<Node, String> {
    let (parents, key) = split_pointer(path)?;
    let con = find_container(doc, &parents).ok_or_else(|| missing_parent(path))?;
    match &mut con.value {
        Value::Map(entries) => match position_of(entries, &key) {
            Some(i) if i < entries.len() => Ok(entries.remove(i).1),
            _ => Err(format!("there is no '{key}' to remove")),
        },
        Value::Seq(items) => {
            let i = index(&key, items.len(), false).ok_or_else(|| bad_index(&key, items.len()))?;
            Ok(items.remove(i))
        }
        Value::Scalar(_) => Err(missing_parent(path)),
    }
}

fn replace(doc: &mut Node, path: &str, value: Node, key_origin: Origin) -> Result<(), String> {
    let (parents, key) = split_pointer(path)?;
    check_depth(&parents, &value)?;
    let con = find_container(doc, &parents).ok_or_else(|| missing_parent(path))?;
    match &mut con.value {
        // json-patch v4 finds every key of a map: replacing a missing one adds it.
        Value::Map(entries) => match position_of(entries, &key).and_then(|i| entries.get_mut(i)) {
            Some((_, v)) => *v = value,
            None => entries.push((Node::string(key, key_origin), value)),
        },
        Value::Seq(items) => {
            let len = items.len();
            let slot = index(&key, len, false)
                .and_then(|i| items.get_mut(i))
                .ok_or_else(|| bad_index(&key, len))?;
            *slot = value;
        }
        Value::Scalar(_) => return Err(missing_parent(path)),
    }
    Ok(())
}

fn test(doc: &mut Node, path: &str, expected: Option<&Node>) -> Result<(), String> {
    let (parents, key) = split_pointer(path)?;
    let con = find_container(doc, &parents).ok_or_else(|| missing_parent(path))?;
    let actual = get(con, &key)?;
    // A missing or null value tests equal to null (or to no value: kubectl panics there).
    let expected = expected.filter(|e| !e.is_null());
    let equal = match (actual, expected) {
        (None, None) => true,
        (Some(a), Some(e)) => a.same(e),
        _ => false,
    };
    if equal {
        Ok(())
    } else {
        Err("the value differs (test failed)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tree::{Typed, from_yaml};
    use crate::yaml::{NodeRef, parse};
    use serde_json::json;

    /// A YAML literal indented with the test, unindented.
    fn unindent(text: &str) -> String {
        let indent = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start().len())
            .min()
            .unwrap_or(0);
        let lines: Vec<&str> = text
            .lines()
            .map(|l| l.get(indent..).unwrap_or("").trim_end())
            .collect();
        lines.join("\n") + "\n"
    }

    /// The tree of the YAML document `text`, as file `file` of the set.
    fn tree(text: &str, file: u32) -> Node {
        let stream = parse(&unindent(text));
        let mut budget = 1_000_000;
        from_yaml(
            NodeRef::root(&stream.documents[0]).unwrap(),
            file,
            &mut budget,
        )
        .unwrap()
    }

    /// As typed JSON, keys sorted: how the result is compared with kubectl's output.
    fn json(node: &Node) -> serde_json::Value {
        match &node.value {
            Value::Map(e) => serde_json::Value::Object(
                e.iter()
                    .map(|(k, v)| (text(k).to_string(), json(v)))
                    .collect(),
            ),
            Value::Seq(items) => serde_json::Value::Array(items.iter().map(json).collect()),
            Value::Scalar(_) => match node.typed() {
                Some(Typed::Null) | None => serde_json::Value::Null,
                Some(Typed::Bool(b)) => b.into(),
                Some(Typed::Int(i)) => i.into(),
                Some(Typed::Float(f)) => f.into(),
                Some(Typed::Str(s)) => s.into(),
            },
        }
    }

    fn merge(base: &str, patch: &str) -> Result<(Node, Merged), String> {
        let mut target = tree(base, 0);
        let patch = tree(patch, 1);
        let api_version = target.str_at(&["apiVersion"]).unwrap_or("").to_string();
        let kind = target.str_at(&["kind"]).unwrap_or("").to_string();
        let merged = strategic_merge(&mut target, &patch, &api_version, &kind)?;
        Ok((target, merged))
    }

    /// `base` patched with `patch` is what `kubectl kustomize` printed (its keys sorted: the
    /// comparison is of typed values; list order counts).
    fn kustomized(base: &str, patch: &str, printed: &str) {
        let (result, merged) = merge(base, patch).unwrap();
        assert_eq!(merged, Merged::Kept);
        assert_eq!(json(&result), json(&tree(printed, 2)));
    }

    fn container<'n>(object: &'n Node, name: &str) -> &'n Node {
        object
            .path(&["spec", "template", "spec", "containers"])
            .unwrap()
            .items()
            .iter()
            .find(|c| c.str_at(&["name"]) == Some(name))
            .unwrap()
    }

    fn keys(node: &Node) -> Vec<&str> {
        node.entries().iter().map(|(k, _)| text(k)).collect()
    }

    const DEPLOYMENT: &str = r#"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: {app: web}
        spec:
          replicas: 1
          template:
            spec:
              containers:
              - name: main
                image: nginx
                ports: [{containerPort: 80}]
        "#;

    #[test]
    fn origins_follow_the_file_that_wrote_each_node() {
        let patch = r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {tier: front}
            spec:
              replicas: 3
              template:
                spec:
                  containers:
                  - name: sidecar
                    image: envoy
                  - name: main
                    image: nginx:2
                    env: [{name: A, value: a}]
            "#;
        let (result, _) = merge(DEPLOYMENT, patch).unwrap();
        let file = |n: &Node| n.origin.file;
        // Maps both sides have keep the target's origin; what the patch wrote is the patch's.
        assert_eq!(file(&result), 0);
        let labels = result.path(&["metadata", "labels"]).unwrap();
        assert_eq!(file(labels), 0);
        assert_eq!(file(labels.get("app").unwrap()), 0);
        assert_eq!(file(labels.get("tier").unwrap()), 1);
        let (tier_key, _) = labels
            .entries()
            .iter()
            .find(|(k, _)| text(k) == "tier")
            .unwrap();
        assert_eq!(file(tier_key), 1);
        // A replaced scalar is the patch's; its key is still the target's.
        let spec = result.get("spec").unwrap();
        let (replicas_key, replicas) = spec
            .entries()
            .iter()
            .find(|(k, _)| text(k) == "replicas")
            .unwrap();
        assert_eq!((file(replicas_key), file(replicas)), (0, 1));
        assert_eq!(replicas.as_str(), Some("3"));
        // The merged container is the target's, with the patch's image and env.
        let main = container(&result, "main");
        assert_eq!(file(main), 0);
        // The patch wrote the name too: kyaml sets the patch's scalar over the target's.
        assert_eq!(file(main.get("name").unwrap()), 1);
        assert_eq!(file(main.get("image").unwrap()), 1);
        assert_eq!(file(main.path(&["ports"]).unwrap()), 0);
        let env = main.get("env").unwrap();
        assert!(
            env.items()
                .iter()
                .all(|e| file(e) == 1 && file(e.get("value").unwrap()) == 1)
        );
        // An added container is the patch's, through and through, spans included.
        let sidecar = container(&result, "sidecar");
        assert_eq!(file(sidecar), 1);
        assert_eq!(file(sidecar.get("image").unwrap()), 1);
        let written = tree(patch, 1);
        let written_sidecar = &written
            .path(&["spec", "template", "spec", "containers"])
            .unwrap()
            .items()[0];
        assert_eq!(sidecar.origin, written_sidecar.origin);
        assert_eq!(
            sidecar.get("image").unwrap().origin,
            written_sidecar.get("image").unwrap().origin
        );
    }

    #[test]
    fn target_order_kept_and_added_fields_appended_sorted() {
        let patch = r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {zeta: z, alpha: a, app: web2}
            "#;
        let (result, _) = merge(DEPLOYMENT, patch).unwrap();
        assert_eq!(
            keys(result.path(&["metadata", "labels"]).unwrap()),
            ["app", "alpha", "zeta"]
        );
        assert_eq!(keys(&result), ["apiVersion", "kind", "metadata", "spec"]);
    }

    #[test]
    fn delete_directive_at_the_root_deletes_the_object() {
        let patch = r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            $patch: delete
            "#;
        let (_, merged) = merge(DEPLOYMENT, patch).unwrap();
        assert_eq!(merged, Merged::Deleted);
    }

    /// A patch applied through a target selector may name another object: kustomize keeps the
    /// target's name, namespace (none here) and kind.
    #[test]
    fn identity_is_kept() {
        let base = r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 1
            "#;
        let patch = r#"
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: other
              namespace: ns2
            spec:
              replicas: 2
            "#;
        let (result, _) = merge(base, patch).unwrap();
        let printed = r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 2
            "#;
        assert_eq!(json(&result), json(&tree(printed, 2)));
        assert_eq!(result.path(&["metadata", "name"]).unwrap().origin.file, 0);
    }

    /// kustomize merges a root `$patch: replace` into a copy it never reads back.
    #[test]
    fn replace_directive_at_the_root_changes_nothing() {
        let patch = r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {x: z}
            $patch: replace
            "#;
        let (result, merged) = merge(DEPLOYMENT, patch).unwrap();
        assert_eq!(merged, Merged::Kept);
        assert_eq!(json(&result), json(&tree(DEPLOYMENT, 0)));
    }

    #[test]
    fn kind_mismatch_is_an_error_naming_the_field() {
        let patch = r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              template:
                spec:
                  containers:
                  - name: main
                    image: {a: b}
            "#;
        let mut target = tree(DEPLOYMENT, 0);
        let err =
            strategic_merge(&mut target, &tree(patch, 1), "apps/v1", "Deployment").unwrap_err();
        assert_eq!(
            err,
            "at spec.template.spec.containers[name=main].image: the patch has a map where the \
             target has a scalar"
        );
        // An error leaves the target as it was.
        assert_eq!(json(&target), json(&tree(DEPLOYMENT, 0)));
        let list_for_map = r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              template:
                spec:
                  containers: {a: b}
            "#;
        let err = merge(DEPLOYMENT, list_for_map).unwrap_err();
        assert!(
            err.contains(
                "spec.template.spec.containers: the patch has a map where the target has a list"
            ),
            "{err}"
        );
    }

    #[test]
    fn scalar_item_in_a_merged_list_is_an_error() {
        let base = r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - name: c
                env: [{name: A, value: a}, x]
            "#;
        let patch = r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - name: c
                env: [{name: B}]
            "#;
        let err = merge(base, patch).unwrap_err();
        assert_eq!(
            err,
            "at spec.containers[name=c].env[item without name]: a scalar in a list merged by its \
             items' name: expected maps"
        );
    }

    #[test]
    fn unknown_directive_is_an_error() {
        let patch = r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels:
                $patch: bogus
            "#;
        let err = merge(DEPLOYMENT, patch).unwrap_err();
        assert_eq!(
            err,
            "at metadata.labels: unknown patch strategy 'bogus' (expected merge, replace or delete)"
        );
    }

    /// kustomize implements neither `$retainKeys`, `$setElementOrder` nor
    /// `$deleteFromPrimitiveList` (it prints them in its output, and so does an unknown
    /// `$patch` of a map the patch adds): they are dropped, never applied.
    #[test]
    fn directives_never_reach_the_result() {
        let base = r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
              finalizers: [a, b]
            spec:
              template:
                spec:
                  volumes:
                  - name: v
                    emptyDir: {}
                  containers:
                  - name: a
                    image: a
                  - name: b
                    image: b
                  tolerations: [{key: k}]
            "#;
        let patch = r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
              $deleteFromPrimitiveList/finalizers: [b]
            spec:
              template:
                spec:
                  $setElementOrder/containers: [{name: b}, {name: a}]
                  volumes:
                  - name: v
                    $retainKeys: [name, configMap]
                    configMap: {name: x}
                  containers:
                  - name: a
                    image: a2
                  tolerations: [{key: j, $patch: delete}]
                  newMap:
                    $patch: bogus
                    a: 1
            "#;
        let (result, _) = merge(base, patch).unwrap();
        assert_eq!(
            json(&result),
            json(&tree(
                r#"
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: d
                  finalizers: [a, b]
                spec:
                  template:
                    spec:
                      volumes:
                      - name: v
                        emptyDir: {}
                        configMap: {name: x}
                      containers:
                      - name: a
                        image: a2
                      - name: b
                        image: b
                      tolerations: [{key: j}]
                      newMap: {a: 1}
                "#,
                2
            ))
        );
    }
    /// Maps merge key by key, a scalar of the patch replaces the target's, a null deletes.
    #[test]
    fn maps_merge_and_scalars_replace() {
        kustomized(
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {app: web, tier: front}
              annotations: {a: "1"}
            spec:
              replicas: 1
              template:
                spec:
                  containers:
                  - name: main
                    image: nginx
            "#,
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {tier: back, extra: x}
              annotations: null
            spec:
              replicas: 3
              strategy: {type: Recreate}
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              labels:
                app: web
                extra: x
                tier: back
              name: web
            spec:
              replicas: 3
              strategy:
                type: Recreate
              template:
                spec:
                  containers:
                  - image: nginx
                    name: main
            "#,
        );
    }

    /// A null in the patch deletes (or adds nothing); the target's own `null`/`~` stay, its empty
    /// values go.
    #[test]
    fn nulls() {
        kustomized(
            r#"
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: c
            data:
              a: null
              b: null
              c: null
              d: ~
              e:
              f: 1
              g: null
              h: {x: 1}
              i: [1]
              j: {x: null, y: 1}
              k: {}
              l: []
              m: {}
            deep:
              n: null
            list:
            - {name: a, v: null}
            "#,
            r#"
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: c
            data:
              b: null
              c: 5
              f: null
              g: {z: 2}
              h: null
              i: null
              j: {z: 2}
              k: null
              l: null
              m: {z: null}
              o: null
              p: {q: null}
              r: []
              s: {}
              t: ""
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: v1
            data:
              a: null
              c: 5
              d: null
              g:
                z: 2
              j:
                x: null
                "y": 1
                z: 2
              m: {}
              p: {}
              r: []
              s: {}
              t: ""
            deep:
              "n": null
            kind: ConfigMap
            list:
            - name: a
              v: null
            metadata:
              name: c
            "#,
        );
    }

    /// Lists without a merge key (args, tolerations, envFrom, readinessGates, resourceClaims)
    /// replace.
    #[test]
    fn lists_without_merge_key_replace() {
        kustomized(
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              tolerations: [{key: k1, operator: Exists}]
              readinessGates: [{conditionType: a}]
              resourceClaims: [{name: a, source: {resourceClaimName: a}}]
              containers:
              - name: c
                image: i
                args: [a, b]
                envFrom: [{configMapRef: {name: a}}]
            "#,
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              tolerations: [{key: k2, operator: Exists}]
              readinessGates: [{conditionType: b}]
              resourceClaims: [{name: b, source: {resourceClaimName: b}}]
              containers:
              - name: c
                args: [z]
                envFrom: [{secretRef: {name: b}}]
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - args:
                - z
                envFrom:
                - secretRef:
                    name: b
                image: i
                name: c
              readinessGates:
              - conditionType: b
              resourceClaims:
              - name: b
                source:
                  resourceClaimName: b
              tolerations:
              - key: k2
                operator: Exists
            "#,
        );
    }

    /// Items merge by name; the patch's items come first (in its order), then the target's others.
    #[test]
    fn containers_and_env_merge_by_name_patch_items_first() {
        kustomized(
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              template:
                spec:
                  initContainers:
                  - name: init
                    image: busybox
                  containers:
                  - name: main
                    image: nginx
                    env:
                    - name: B
                      value: b
                    - name: A
                      value: a
                  - name: other
                    image: busybox
            "#,
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              template:
                spec:
                  initContainers:
                  - name: init2
                    image: busybox
                  containers:
                  - name: new1
                    image: new1
                  - name: main
                    image: nginx:2
                    env:
                    - name: C
                      value: c
                    - name: A
                      value: a2
                  - name: new2
                    image: new2
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              template:
                spec:
                  containers:
                  - image: new1
                    name: new1
                  - env:
                    - name: C
                      value: c
                    - name: A
                      value: a2
                    - name: B
                      value: b
                    image: nginx:2
                    name: main
                  - image: new2
                    name: new2
                  - image: busybox
                    name: other
                  initContainers:
                  - image: busybox
                    name: init2
                  - image: busybox
                    name: init
            "#,
        );
    }

    /// Container ports merge by containerPort and protocol, with kyaml's quirks: a patch port with
    /// a protocol the target's lacks is dropped.
    #[test]
    fn container_ports_merge_by_port_and_protocol() {
        kustomized(
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - name: a
                image: i
                ports:
                - containerPort: 80
              - name: b
                image: i
                ports:
                - containerPort: 80
              - name: c
                image: i
                ports:
                - containerPort: 80
                  protocol: TCP
                - containerPort: 81
            "#,
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - name: a
                ports:
                - containerPort: 80
                  hostPort: 1
              - name: b
                ports:
                - containerPort: 80
                  protocol: TCP
                  hostPort: 1
              - name: c
                ports:
                - containerPort: 81
                  hostPort: 2
                - containerPort: 8080
                  protocol: UDP
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - image: i
                name: a
                ports:
                - containerPort: 80
                  hostPort: 1
              - image: i
                name: b
                ports:
                - containerPort: 80
              - image: i
                name: c
                ports:
                - containerPort: 8080
                  protocol: UDP
                - containerPort: 80
                  protocol: TCP
                - containerPort: 81
                  hostPort: 2
            "#,
        );
    }

    /// Service ports merge by port and protocol.
    #[test]
    fn service_ports_merge_by_port_and_protocol() {
        kustomized(
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: s
            spec:
              selector: {a: b}
              ports:
              - port: 80
                targetPort: 8080
              - port: 53
                protocol: UDP
            "#,
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: s
            spec:
              selector: null
              ports:
              - port: 80
                targetPort: 9090
              - port: 53
                protocol: UDP
                name: dns
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: s
            spec:
              ports:
              - port: 80
                targetPort: 9090
              - name: dns
                port: 53
                protocol: UDP
            "#,
        );
    }

    /// volumeMounts by mountPath, hostAliases by ip, imagePullSecrets and volumes by name;
    /// topologySpreadConstraints by topologyKey and whenUnsatisfiable (a patch that lacks one is
    /// lost).
    #[test]
    fn pod_spec_lists_by_their_keys() {
        kustomized(
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              volumes:
              - name: v
                emptyDir: {}
              topologySpreadConstraints:
              - topologyKey: zone
                whenUnsatisfiable: DoNotSchedule
                maxSkew: 1
              - topologyKey: host
                maxSkew: 1
              hostAliases:
              - ip: 1.1.1.1
                hostnames: [a]
              imagePullSecrets:
              - name: s1
              containers:
              - name: c
                image: i
                volumeMounts:
                - {mountPath: /a, name: v1}
                - {mountPath: /b, name: v2}
                volumeDevices:
                - {devicePath: /dev/a, name: d1}
            "#,
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              volumes:
              - name: v
                configMap: {name: x}
              topologySpreadConstraints:
              - topologyKey: zone
                maxSkew: 2
              - topologyKey: host
                whenUnsatisfiable: ScheduleAnyway
                maxSkew: 3
              hostAliases:
              - ip: 2.2.2.2
                hostnames: [b]
              imagePullSecrets:
              - name: s2
              containers:
              - name: c
                volumeMounts:
                - {mountPath: /b, name: v3}
                volumeDevices:
                - {devicePath: /dev/b, name: d2}
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - image: i
                name: c
                volumeDevices:
                - devicePath: /dev/b
                  name: d2
                - devicePath: /dev/a
                  name: d1
                volumeMounts:
                - mountPath: /b
                  name: v3
                - mountPath: /a
                  name: v1
              hostAliases:
              - hostnames:
                - b
                ip: 2.2.2.2
              - hostnames:
                - a
                ip: 1.1.1.1
              imagePullSecrets:
              - name: s2
              - name: s1
              topologySpreadConstraints:
              - maxSkew: 1
                topologyKey: zone
                whenUnsatisfiable: DoNotSchedule
              - maxSkew: 1
                topologyKey: host
              volumes:
              - configMap:
                  name: x
                emptyDir: {}
                name: v
            "#,
        );
    }

    /// finalizers merge as a set (the patch's first), ownerReferences by uid.
    #[test]
    fn metadata_finalizers_and_owner_references() {
        kustomized(
            r#"
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: c
              finalizers: [a, b]
              ownerReferences:
              - {apiVersion: v1, kind: X, name: n1, uid: u1}
              - {apiVersion: v1, kind: X, name: n2, uid: u2}
            "#,
            r#"
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: c
              finalizers: [c, a]
              ownerReferences:
              - {uid: u2, name: n2b}
              - {apiVersion: v1, kind: X, name: n3, uid: u3}
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: v1
            kind: ConfigMap
            metadata:
              finalizers:
              - c
              - a
              - b
              name: c
              ownerReferences:
              - apiVersion: v1
                kind: X
                name: n2b
                uid: u2
              - apiVersion: v1
                kind: X
                name: n3
                uid: u3
              - apiVersion: v1
                kind: X
                name: n1
                uid: u1
            "#,
        );
    }

    /// A kind the schema does not know merges its maps and replaces its lists (finalizers too).
    #[test]
    fn custom_resources_merge_maps_replace_lists() {
        kustomized(
            r#"
            apiVersion: example.com/v1
            kind: Foo
            metadata:
              name: f
              finalizers: [a, b]
            spec:
              settings: {a: 1, b: 2}
              items:
              - name: one
                v: 1
              - name: two
                v: 2
            "#,
            r#"
            apiVersion: example.com/v1
            kind: Foo
            metadata:
              name: f
              finalizers: [c, a]
            spec:
              settings: {b: 3}
              items:
              - name: two
                w: 3
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: example.com/v1
            kind: Foo
            metadata:
              finalizers:
              - c
              - a
              name: f
            spec:
              items:
              - name: two
                w: 3
              settings:
                a: 1
                b: 3
            "#,
        );
    }

    /// A built-in kind at a version Kubernetes 1.21 does not serve has no schema: its containers
    /// replace.
    #[test]
    fn removed_api_versions_have_no_schema() {
        kustomized(
            r#"
            apiVersion: extensions/v1beta1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - name: a
                    image: a
                  - name: b
                    image: b
            "#,
            r#"
            apiVersion: extensions/v1beta1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - name: b
                    image: b2
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: extensions/v1beta1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - image: b2
                    name: b
            "#,
        );
    }

    /// A map with a built-in apiVersion and kind inside a custom resource merges as that kind.
    #[test]
    fn embedded_objects_merge_as_their_kind() {
        kustomized(
            r#"
            apiVersion: example.com/v1
            kind: Wrapper
            metadata:
              name: w
            spec:
              inner:
                apiVersion: v1
                kind: Pod
                spec:
                  containers:
                  - name: a
                    image: a
            "#,
            r#"
            apiVersion: example.com/v1
            kind: Wrapper
            metadata:
              name: w
            spec:
              inner:
                spec:
                  containers:
                  - name: b
                    image: b
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: example.com/v1
            kind: Wrapper
            metadata:
              name: w
            spec:
              inner:
                apiVersion: v1
                kind: Pod
                spec:
                  containers:
                  - image: b
                    name: b
                  - image: a
                    name: a
            "#,
        );
    }

    /// Pod templates of CronJob (batch/v1beta1 too) and PodTemplate merge containers by name.
    #[test]
    fn pod_template_paths() {
        kustomized(
            r#"
            apiVersion: batch/v1beta1
            kind: CronJob
            metadata:
              name: c
            spec:
              jobTemplate:
                spec:
                  template:
                    spec:
                      containers:
                      - name: a
                        image: a
            "#,
            r#"
            apiVersion: batch/v1beta1
            kind: CronJob
            metadata:
              name: c
            spec:
              jobTemplate:
                spec:
                  template:
                    spec:
                      containers:
                      - name: b
                        image: b
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: batch/v1beta1
            kind: CronJob
            metadata:
              name: c
            spec:
              jobTemplate:
                spec:
                  template:
                    spec:
                      containers:
                      - image: b
                        name: b
                      - image: a
                        name: a
            "#,
        );
    }

    /// `$patch: delete` removes a map, or the list item with the same key (none: nothing).
    #[test]
    fn delete_directive() {
        kustomized(
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  securityContext: {runAsUser: 1}
                  containers:
                  - name: a
                    image: a
                  - name: b
                    image: b
            "#,
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  securityContext:
                    $patch: delete
                  containers:
                  - name: b
                    $patch: delete
                  - name: zz
                    $patch: delete
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - image: a
                    name: a
            "#,
        );
    }

    /// `$patch: replace` on a map replaces it wholesale (its nulls dropped).
    #[test]
    fn replace_directive_on_a_map() {
        kustomized(
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - name: a
                    image: a
                    resources:
                      limits: {cpu: 1, memory: 1Gi}
                      requests: {cpu: 1}
            "#,
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - name: a
                    resources:
                      $patch: replace
                      limits: {cpu: 2, x: null}
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - image: a
                    name: a
                    resources:
                      limits:
                        cpu: 2
            "#,
        );
    }

    /// `$patch: replace` on a list item is undone by kustomize (the target's item is set back).
    #[test]
    fn replace_directive_on_a_list_item_changes_nothing() {
        kustomized(
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - name: a
                    image: a
                    args: [x]
                  - name: b
                    image: b
            "#,
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - name: a
                    $patch: replace
                    image: z
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - args:
                    - x
                    image: a
                    name: a
                  - image: b
                    name: b
            "#,
        );
    }

    /// An item `$patch: replace` (without the merge key) empties the target's list: the patch's
    /// items remain.
    #[test]
    fn replace_directive_as_a_list_item() {
        kustomized(
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - name: a
                    image: a
                  - name: c
                    image: c
            "#,
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - name: c
                    image: c2
                  - $patch: replace
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - image: c2
                    name: c
            "#,
        );
    }

    /// A value the patch adds is merged against itself: its directives apply, its nulls go.
    #[test]
    fn added_values_are_walked_too() {
        kustomized(
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - name: c
                image: i
            "#,
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - name: new
                image: new
                securityContext:
                  $patch: delete
                  runAsUser: 1
                resources:
                  limits: {cpu: 1, x: null}
                  $patch: replace
                env:
                - name: Q
                  $patch: delete
                - name: R
                  value: r
                nul: null
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - env:
                - name: R
                  value: r
                image: new
                name: new
                resources:
                  limits:
                    cpu: 1
              - image: i
                name: c
            "#,
        );
    }

    /// A target item without the merge key makes kyaml drop the items before it: only it is left.
    #[test]
    fn item_without_merge_key_empties_the_list() {
        kustomized(
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
              labels: {a: b}
            spec:
              template:
                spec:
                  containers:
                  - name: a
                    image: a
                  - image: x
            "#,
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
              labels: {c: d}
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              labels:
                a: b
                c: d
              name: d
            spec:
              template:
                spec:
                  containers:
                  - image: x
            "#,
        );
    }

    /// Walked lists lose empty and null items, and duplicate keys collapse; an empty patch list
    /// keeps the target's.
    #[test]
    fn duplicates_and_empty_items() {
        kustomized(
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - name: a
                    image: a
                    args: [p, null, q]
                    env:
                    - name: E
                      value:
                    - name: F
                      value: ~
                    - name: D
                      value: 1
                    - name: D
                      value: 2
                    - {}
                    - null
                  - name: b
                    image: b
                    env: [{name: X, value: x}]
                  ephemeralContainers:
                  - name: e
                    env: [{name: A, value: a}]
                    ports:
                    - containerPort: 80
                    - containerPort: 80
                      protocol: UDP
            "#,
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - name: b
                    env: []
                    volumeMounts: []
                  ephemeralContainers:
                  - name: e
                    env: [{name: B, value: b}]
                    ports:
                    - containerPort: 80
                      protocol: TCP
                      name: x
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: d
            spec:
              template:
                spec:
                  containers:
                  - env:
                    - name: X
                      value: x
                    image: b
                    name: b
                    volumeMounts: []
                  - args:
                    - p
                    - null
                    - q
                    env:
                    - name: E
                    - name: F
                      value: null
                    - name: D
                      value: 1
                    image: a
                    name: a
                  ephemeralContainers:
                  - env:
                    - name: B
                      value: b
                    - name: A
                      value: a
                    name: e
                    ports:
                    - containerPort: 80
                      name: x
                      protocol: TCP
            "#,
        );
    }

    /// webhooks and a ServiceAccount's secrets merge by name (its imagePullSecrets replace).
    #[test]
    fn webhooks_and_service_account_secrets() {
        kustomized(
            r#"
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingWebhookConfiguration
            metadata:
              name: w
            webhooks:
            - name: w1
              sideEffects: None
            "#,
            r#"
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingWebhookConfiguration
            metadata:
              name: w
            webhooks:
            - name: w2
              sideEffects: None
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingWebhookConfiguration
            metadata:
              name: w
            webhooks:
            - name: w2
              sideEffects: None
            - name: w1
              sideEffects: None
            "#,
        );
    }

    /// A lone `- $patch: delete` item deletes the list, `- $patch: replace` replaces it.
    #[test]
    fn list_directives() {
        kustomized(
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - name: a
                image: a
                env: [{name: A, value: a}, {name: B, value: b}]
              volumes: [{name: v, emptyDir: {}}]
            "#,
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - name: a
                env:
                - $patch: replace
                - {name: C, value: c}
              volumes:
              - $patch: delete
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - env:
                - name: C
                  value: c
                image: a
                name: a
            "#,
        );
    }

    /// kyaml removes a directive from the patch once it obeys it: a patch item it walks twice
    /// (ports whose keys merge) is deleted, then added.
    #[test]
    fn directives_are_read_once() {
        kustomized(
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - name: c
                image: i
                ports:
                - null
            "#,
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - name: c
                ports:
                - containerPort: 81
                  $patch: delete
            "#,
            // kubectl kustomize (v5.5):
            r#"
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
              - image: i
                name: c
                ports:
                - containerPort: 81
            "#,
        );
    }

    // JSON patches, checked against `kubectl kustomize` (json-patch v4).

    const CONFIG_MAP: &str = r#"
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
        data:
          a: "1"
          a/b: x
          m~n: z
        list: [0, 1, 2]
        obj: {k: v}
        "#;

    fn json_patch(ops: &str) -> Result<Node, String> {
        let mut target = tree(CONFIG_MAP, 0);
        json6902(&mut target, &tree(ops, 1))?;
        Ok(target)
    }

    fn at(node: &Node, key: &str) -> serde_json::Value {
        json(node.get(key).unwrap())
    }

    #[test]
    fn json_add() {
        let doc = json_patch(
            r#"
            - {op: add, path: /data/new, value: {deep: [1]}}
            - {op: add, path: /data/a, value: "2"}
            - {op: add, path: /list/1, value: X}
            - {op: add, path: /list/-, value: end}
            - {op: add, path: /list/5, value: len}
            - {op: add, path: /list/-1, value: neg}
            - {op: add, path: /obj/0, value: key}
            - {op: add, path: /obj/n}
            "#,
        )
        .unwrap();
        assert_eq!(
            at(&doc, "data"),
            json!({"a": "2", "a/b": "x", "m~n": "z", "new": {"deep": [1]}})
        );
        assert_eq!(keys(doc.get("data").unwrap()), ["a", "a/b", "m~n", "new"]);
        assert_eq!(at(&doc, "list"), json!([0, "X", 1, 2, "end", "len", "neg"]));
        assert_eq!(at(&doc, "obj"), json!({"k": "v", "0": "key", "n": null}));
        let err = json_patch("[{op: add, path: /list/4, value: X}]").unwrap_err();
        assert_eq!(
            err,
            "JSON patch operation 1 (add /list/4): '4' is not an index of the list (it has 3 items)"
        );
    }

    #[test]
    fn json_remove() {
        let doc = json_patch(
            r#"
            - {op: remove, path: /data/a}
            - {op: remove, path: /list/0}
            - {op: remove, path: /list/-1}
            "#,
        )
        .unwrap();
        assert_eq!(at(&doc, "data"), json!({"a/b": "x", "m~n": "z"}));
        assert_eq!(at(&doc, "list"), json!([1]));
        let err = json_patch("[{op: remove, path: /data/zz}]").unwrap_err();
        assert_eq!(
            err,
            "JSON patch operation 1 (remove /data/zz): there is no 'zz' to remove"
        );
        let err = json_patch("[{op: remove, path: /list/3}]").unwrap_err();
        assert!(
            err.starts_with("JSON patch operation 1 (remove /list/3): '3' is not an index"),
            "{err}"
        );
    }

    #[test]
    fn json_replace() {
        // json-patch v4 replaces a missing key of a map by adding it.
        let doc = json_patch(
            r#"
            - {op: replace, path: /list/01, value: X}
            - {op: replace, path: /data/a, value: 2}
            - {op: replace, path: /data/zz, value: added}
            "#,
        )
        .unwrap();
        assert_eq!(at(&doc, "list"), json!([0, "X", 2]));
        assert_eq!(
            at(&doc, "data"),
            json!({"a": 2, "a/b": "x", "m~n": "z", "zz": "added"})
        );
        let err = json_patch("[{op: replace, path: /list/-, value: X}]").unwrap_err();
        assert!(
            err.starts_with("JSON patch operation 1 (replace /list/-): '-' is not an index"),
            "{err}"
        );
    }

    #[test]
    fn json_move_and_copy() {
        let doc = json_patch(
            r#"
            - {op: move, from: /obj, path: /data/obj}
            - {op: move, from: /list/0, path: /list/-}
            - {op: copy, from: /list/2, path: /list/0}
            - {op: copy, from: /data/a, path: /copied}
            "#,
        )
        .unwrap();
        assert_eq!(
            at(&doc, "data"),
            json!({"a": "1", "a/b": "x", "m~n": "z", "obj": {"k": "v"}})
        );
        assert!(doc.get("obj").is_none());
        assert_eq!(at(&doc, "list"), json!([0, 1, 2, 0]));
        assert_eq!(at(&doc, "copied"), json!("1"));
        // Moving a map into itself removes it first: its destination is gone.
        let err = json_patch("[{op: move, from: /obj, path: /obj/k2}]").unwrap_err();
        assert_eq!(
            err,
            "JSON patch operation 1 (move /obj to /obj/k2): '/obj' does not exist (or is not a \
             map or a list)"
        );
    }

    #[test]
    fn json_test() {
        let doc = json_patch(
            r#"
            - {op: test, path: /data/a, value: "1"}
            - {op: test, path: /data/zz, value: null}
            - {op: test, path: /obj, value: {k: v}}
            - {op: add, path: /data/t, value: ok}
            "#,
        )
        .unwrap();
        assert_eq!(at(&doc, "data")["t"], json!("ok"));
        // A number is not the string it reads as.
        let err = json_patch(
            "[{op: add, path: /data/t, value: ok}, {op: test, path: /data/a, value: 1}]",
        )
        .unwrap_err();
        assert_eq!(
            err,
            "JSON patch operation 2 (test /data/a): the value differs (test failed)"
        );
    }

    #[test]
    fn json_pointers() {
        let doc = json_patch(
            r#"
            - {op: replace, path: /data/a~1b, value: slash}
            - {op: remove, path: /data/m~0n}
            - {op: add, path: ignored/top, value: 1}
            "#,
        )
        .unwrap();
        assert_eq!(at(&doc, "data"), json!({"a": "1", "a/b": "slash"}));
        // json-patch v4 drops the first step, whatever it is.
        assert_eq!(at(&doc, "top"), json!(1));
    }

    #[test]
    fn json_errors_name_the_operation_and_path() {
        let cases = [
            (
                "[{op: add, path: /nope/x, value: 1}]",
                "JSON patch operation 1 (add /nope/x): '/nope' does not exist (or is not a map \
                 or a list)",
            ),
            (
                "[{op: add, path: /data/a/x, value: 1}]",
                "JSON patch operation 1 (add /data/a/x): '/data/a' does not exist (or is not a \
                 map or a list)",
            ),
            (
                "[{op: add, path: '', value: 1}]",
                "JSON patch operation 1 (add): path '' is not a JSON pointer to a field (the \
                 document itself cannot be patched)",
            ),
            (
                "[{op: frob, path: /data/a}]",
                "JSON patch operation 1 (frob /data/a): unknown operation 'frob' (expected \
                 add, remove, replace, move, copy or test)",
            ),
            (
                "[{op: add, value: 1}]",
                "JSON patch operation 1 (add): it has no path",
            ),
            (
                "[{op: move, path: /x}]",
                "JSON patch operation 1 (move /x): it has no from",
            ),
            (
                "[1]",
                "JSON patch operation 1 (?): an operation is a map, not a scalar",
            ),
            (
                "{op: add}",
                "a JSON patch is a list of operations, not a map",
            ),
        ];
        for (ops, expected) in cases {
            assert_eq!(json_patch(ops).unwrap_err(), expected, "{ops}");
        }
    }

    #[test]
    fn json_errors_leave_the_target_unchanged() {
        let mut target = tree(CONFIG_MAP, 0);
        let ops = tree(
            "[{op: remove, path: /data/a}, {op: remove, path: /nope}]",
            1,
        );
        assert!(json6902(&mut target, &ops).is_err());
        assert_eq!(json(&target), json(&tree(CONFIG_MAP, 0)));
    }

    #[test]
    fn json_origins() {
        let ops = r#"
            - {op: add, path: /data/new, value: {deep: v}}
            - {op: move, from: /obj, path: /data/obj}
            - {op: copy, from: /list, path: /data/list}
            "#;
        let doc = json_patch(ops).unwrap();
        let data = doc.get("data").unwrap();
        assert_eq!(data.origin.file, 0);
        let written = tree(ops, 1);
        let value = written.items()[0].get("value").unwrap();
        assert_eq!(data.get("new").unwrap().origin, value.origin);
        assert_eq!(
            data.path(&["new", "deep"]).unwrap().origin,
            value.get("deep").unwrap().origin
        );
        let (new_key, _) = data
            .entries()
            .iter()
            .find(|(k, _)| text(k) == "new")
            .unwrap();
        assert_eq!(new_key.origin.file, 1);
        // Moved and copied values were written by the target.
        assert_eq!(data.path(&["obj", "k"]).unwrap().origin.file, 0);
        assert!(
            data.get("list")
                .unwrap()
                .items()
                .iter()
                .all(|i| i.origin.file == 0)
        );
    }

    #[test]
    fn json_values_stay_within_the_depth_limit() {
        let mut deep = Node::plain("x", Origin::NONE);
        for _ in 0..MAX_DEPTH {
            deep = Node::new(Value::Seq(vec![deep]), Origin::NONE);
        }
        let op = Node::new(
            Value::Map(vec![
                (
                    Node::string("op", Origin::NONE),
                    Node::string("add", Origin::NONE),
                ),
                (
                    Node::string("path", Origin::NONE),
                    Node::string("/data/deep", Origin::NONE),
                ),
                (Node::string("value", Origin::NONE), deep),
            ]),
            Origin::NONE,
        );
        let mut target = tree(CONFIG_MAP, 0);
        let err =
            json6902(&mut target, &Node::new(Value::Seq(vec![op]), Origin::NONE)).unwrap_err();
        assert!(
            err.ends_with("the value would nest deeper than 256 levels"),
            "{err}"
        );
    }
}
