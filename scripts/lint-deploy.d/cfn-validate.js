#!/usr/bin/env node
// Validates CloudFormation templates against today's resource schemas.
//
// Schema source: the AWS CDK's service specification, npm package
// @aws-cdk/aws-service-spec (pinned in package.json), whose db.json.gz is built
// from the CloudFormation registry schemas (plus the CDK's own reviewed patches).
// It gives, for every resource type: property names, which are required, their
// types (string, integer, number, boolean, json, date-time, tag, arrays, maps,
// unions and nested property types) and enumerations (allowedValues); and the
// attributes Fn::GetAtt may name. It does not carry patterns, lengths or
// numeric ranges, so those are not checked here.
//
// Types or properties the pinned package does not have yet come from
// spec-supplement.json beside this file, in the same shape, each entry with
// the documentation page it was transcribed from. A supplement entry for a
// property the package already has is refused, so the supplement shrinks as
// the package catches up.
//
// What is checked, per template:
//   - top-level sections, resource attributes (Type, Properties, DependsOn,
//     Condition, DeletionPolicy, UpdateReplacePolicy, Metadata, ...);
//   - Parameters: known Type, known keys, Default against AllowedValues,
//     AllowedPattern, Min/MaxLength, Min/MaxValue;
//   - every resource: Type known; every property name known, required ones
//     present, value of the right type, enumerations (a literal, or every
//     AllowedValue of a parameter it Refs) within the schema's allowedValues;
//   - intrinsic functions: argument shapes of Ref, Fn::GetAtt, Fn::Sub,
//     Fn::Join, Fn::If, Fn::Select, Fn::Split, Fn::Base64, Fn::GetAZs,
//     Fn::ImportValue, Fn::FindInMap, Fn::Cidr; Ref and Fn::Sub names resolve
//     to a parameter, a resource or a pseudo parameter; Fn::GetAtt names an
//     attribute the type has; DependsOn and Condition names exist; a reference
//     to a resource that has a Condition is made only where that condition is
//     known to hold (the referrer's own Condition, or inside Fn::If on it);
//   - Conditions: only condition functions, Ref only to parameters and pseudo
//     parameters, Condition references resolve, no cycles;
//   - Rules: only the rule-specific functions (Fn::And, Fn::Contains,
//     Fn::EachMemberEquals, Fn::EachMemberIn, Fn::Equals, Fn::If, Fn::Not,
//     Fn::Or, Fn::RefAll, Fn::ValueOf, Fn::ValueOfAll), Ref only to
//     parameters, every assertion has an AssertDescription;
//   - Outputs: Value present, Condition exists.
// Then, for each parameter set given on the command line, the Rules are
// evaluated with those values (parameters not given take their Default):
//   FILE@Name=Value,...        every rule must pass;
//   FILE@Name=Value,...!Rule   the named rule must reject the set (a guard
//                              that cannot fail is a finding).
// Values given must also satisfy the parameter's own constraints.
//
// Usage: cfn-validate.js ARG...   Exit 0 when no finding, 1 otherwise, 2 on
// usage or setup errors.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const root = path.resolve(__dirname, '..', '..');
let yaml;
try {
  yaml = require(path.join(root, 'node_modules', 'js-yaml'));
} catch (e) {
  console.error('cfn-validate.js: npm package js-yaml missing; run `npm ci` in ' + root);
  process.exit(2);
}

// ---------------------------------------------------------------------------
// The schema.

function loadSpec() {
  const pkgDir = path.join(root, 'node_modules', '@aws-cdk', 'aws-service-spec');
  let raw;
  try {
    raw = fs.readFileSync(path.join(pkgDir, 'db.json.gz'));
  } catch (e) {
    console.error('cfn-validate.js: @aws-cdk/aws-service-spec missing; run `npm ci` in ' + root);
    process.exit(2);
  }
  const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
  const db = JSON.parse(zlib.gunzipSync(raw).toString('utf8'));
  const types = new Map();
  for (const t of db.schema.typeDefinition.entities) types.set(t.$id, t);
  const resources = new Map();
  for (const r of db.schema.resource.entities) {
    resources.set(r.cloudFormationType, {
      properties: r.properties || {},
      attributes: r.attributes || {},
      source: '@aws-cdk/aws-service-spec ' + version,
    });
  }
  return { version, types, resources };
}

// The supplement names nested types by local names ("#Name") within its own
// "types" table; ids of the package are left alone.
function applySupplement(spec, file) {
  const sup = JSON.parse(fs.readFileSync(file, 'utf8'));
  const problems = [];
  for (const [name, t] of Object.entries(sup.types || {})) {
    spec.types.set('#' + name, { name, properties: t.properties });
  }
  for (const [rtype, add] of Object.entries(sup.resources || {})) {
    if (!add.documentation) problems.push(`supplement ${rtype}: no documentation page cited`);
    let r = spec.resources.get(rtype);
    if (!r) {
      r = { properties: {}, attributes: {}, source: 'spec-supplement.json' };
      spec.resources.set(rtype, r);
    }
    for (const [p, def] of Object.entries(add.properties || {})) {
      if (r.properties[p]) {
        problems.push(`supplement ${rtype}.${p}: the schema package already has it; drop it from the supplement`);
        continue;
      }
      r.properties[p] = Object.assign({ fromSupplement: true }, def);
    }
    for (const [a, def] of Object.entries(add.attributes || {})) {
      if (r.attributes[a]) {
        problems.push(`supplement ${rtype} attribute ${a}: the schema package already has it`);
        continue;
      }
      r.attributes[a] = def;
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------
// CloudFormation YAML: short-form tags become their long JSON forms.

function cfnSchema() {
  const fnNames = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split',
    'Sub', 'If', 'Not', 'Equals', 'And', 'Or', 'Contains', 'EachMemberEquals', 'EachMemberIn',
    'RefAll', 'ValueOf', 'ValueOfAll', 'Transform', 'ToJsonString', 'Length'];
  const list = [];
  const make = (tag, key, splitGetAtt) => ['scalar', 'sequence', 'mapping'].map((kind) => new yaml.Type('!' + tag, {
    kind,
    construct: (data) => {
      if (splitGetAtt && typeof data === 'string') {
        const dot = data.indexOf('.');
        return { [key]: dot < 0 ? [data] : [data.slice(0, dot), data.slice(dot + 1)] };
      }
      return { [key]: data === null ? '' : data };
    },
  }));
  list.push(...make('Ref', 'Ref'));
  list.push(...make('Condition', 'Condition'));
  list.push(...make('GetAtt', 'Fn::GetAtt', true));
  for (const f of fnNames) list.push(...make(f, 'Fn::' + f));
  return yaml.DEFAULT_SCHEMA.extend(list);
}
const CFN_SCHEMA = cfnSchema();

function loadTemplate(file) {
  const text = fs.readFileSync(file, 'utf8');
  return file.endsWith('.json') ? JSON.parse(text) : yaml.load(text, { schema: CFN_SCHEMA, filename: file });
}

// ---------------------------------------------------------------------------
// Static checks.

const PSEUDO = new Set(['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition',
  'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);
const TOP_KEYS = new Set(['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules',
  'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs']);
const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy',
  'UpdateReplacePolicy', 'Metadata', 'CreationPolicy', 'UpdatePolicy']);
const DELETION_POLICIES = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']);
const PARAM_KEYS = new Set(['Type', 'Default', 'AllowedValues', 'AllowedPattern', 'ConstraintDescription',
  'Description', 'MaxLength', 'MinLength', 'MaxValue', 'MinValue', 'NoEcho']);
const PARAM_TYPES = new Set(['String', 'Number', 'List<Number>', 'CommaDelimitedList']);
const RULE_FNS = new Set(['Fn::And', 'Fn::Contains', 'Fn::EachMemberEquals', 'Fn::EachMemberIn', 'Fn::Equals',
  'Fn::If', 'Fn::Not', 'Fn::Or', 'Fn::RefAll', 'Fn::ValueOf', 'Fn::ValueOfAll']);
const CONDITION_FNS = new Set(['Fn::And', 'Fn::Equals', 'Fn::Not', 'Fn::Or']);
const VALUE_FNS = new Set(['Fn::Base64', 'Fn::Cidr', 'Fn::FindInMap', 'Fn::GetAtt', 'Fn::GetAZs',
  'Fn::ImportValue', 'Fn::Join', 'Fn::Select', 'Fn::Split', 'Fn::Sub', 'Fn::If', 'Fn::Transform']);

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// An intrinsic is an object with exactly one key that is Ref, Condition or Fn::*.
function intrinsicName(v) {
  if (!isObj(v)) return null;
  const keys = Object.keys(v);
  if (keys.length !== 1) return null;
  const k = keys[0];
  return (k === 'Ref' || k === 'Condition' || k.startsWith('Fn::')) ? k : null;
}

function paramTypeIsList(t) {
  return t === 'CommaDelimitedList' || /^List</.test(t) || /^AWS::SSM::Parameter::Value<List</.test(t);
}

class Checker {
  constructor(spec, file, tpl) {
    this.spec = spec;
    this.file = file;
    this.t = tpl;
    this.findings = [];
    this.params = isObj(tpl.Parameters) ? tpl.Parameters : {};
    this.resources = isObj(tpl.Resources) ? tpl.Resources : {};
    this.conditions = isObj(tpl.Conditions) ? tpl.Conditions : {};
    this.mappings = isObj(tpl.Mappings) ? tpl.Mappings : {};
  }

  err(where, msg) { this.findings.push(`${where}: ${msg}`); }

  run() {
    if (!isObj(this.t)) { this.err('template', 'not a mapping'); return this.findings; }
    for (const k of Object.keys(this.t)) if (!TOP_KEYS.has(k)) this.err(k, 'unknown top-level section');
    if (!isObj(this.t.Resources) || Object.keys(this.t.Resources).length === 0) this.err('Resources', 'missing or empty');
    this.checkParameters();
    this.checkConditions();
    this.checkRules();
    this.checkResources();
    this.checkOutputs();
    return this.findings;
  }

  // --- Parameters --------------------------------------------------------
  checkParameters() {
    for (const [name, p] of Object.entries(this.params)) {
      const w = `Parameters.${name}`;
      if (!isObj(p)) { this.err(w, 'not a mapping'); continue; }
      for (const k of Object.keys(p)) if (!PARAM_KEYS.has(k)) this.err(w, `unknown key ${k}`);
      const t = p.Type;
      if (typeof t !== 'string') { this.err(w, 'Type missing'); continue; }
      if (!PARAM_TYPES.has(t) && !/^AWS::/.test(t) && !/^List<AWS::/.test(t)) this.err(w, `unknown Type ${t}`);
      if ('Default' in p) {
        const why = this.paramValueProblem(name, p.Default);
        if (why) this.err(w, `Default ${JSON.stringify(p.Default)}: ${why}`);
      }
      if ('AllowedPattern' in p) {
        try { new RegExp(p.AllowedPattern); } catch (e) { this.err(w, `AllowedPattern is not a regular expression: ${e.message}`); }
      }
    }
  }

  // Why a parameter value would be refused by CloudFormation, or null.
  paramValueProblem(name, value) {
    const p = this.params[name];
    const str = Array.isArray(value) ? value.join(',') : String(value);
    const items = paramTypeIsList(p.Type) ? (str === '' ? [] : str.split(',')) : [str];
    for (const item of items) {
      if (p.Type === 'Number' || p.Type === 'List<Number>') {
        if (!/^-?[0-9]+(\.[0-9]+)?$/.test(item.trim())) return `${item} is not a number`;
        const n = Number(item);
        if ('MinValue' in p && n < Number(p.MinValue)) return `below MinValue ${p.MinValue}`;
        if ('MaxValue' in p && n > Number(p.MaxValue)) return `above MaxValue ${p.MaxValue}`;
      }
      if (Array.isArray(p.AllowedValues) && !p.AllowedValues.map(String).includes(item)) {
        return `not among AllowedValues ${JSON.stringify(p.AllowedValues)}`;
      }
    }
    if ('AllowedPattern' in p && !new RegExp('^(?:' + p.AllowedPattern + ')$').test(str)) {
      return `does not match AllowedPattern ${p.AllowedPattern}`;
    }
    if ('MinLength' in p && str.length < Number(p.MinLength)) return `shorter than MinLength ${p.MinLength}`;
    if ('MaxLength' in p && str.length > Number(p.MaxLength)) return `longer than MaxLength ${p.MaxLength}`;
    return null;
  }

  // --- Conditions --------------------------------------------------------
  checkConditions() {
    for (const [name, c] of Object.entries(this.conditions)) this.checkConditionExpr(`Conditions.${name}`, c, true);
    // Cycles.
    const state = {};
    const visit = (n, trail) => {
      if (state[n] === 2) return;
      if (state[n] === 1) { this.err(`Conditions.${n}`, `condition cycle ${trail.concat(n).join(' -> ')}`); return; }
      state[n] = 1;
      for (const d of this.conditionRefs(this.conditions[n])) if (d in this.conditions) visit(d, trail.concat(n));
      state[n] = 2;
    };
    for (const n of Object.keys(this.conditions)) visit(n, []);
  }

  conditionRefs(c) {
    const out = [];
    const walk = (v) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (isObj(v)) {
        if (typeof v.Condition === 'string' && Object.keys(v).length === 1) out.push(v.Condition);
        else Object.values(v).forEach(walk);
      }
    };
    walk(c);
    return out;
  }

  // A boolean-valued condition expression (top: the value of a Conditions entry).
  checkConditionExpr(w, c, top) {
    const fn = intrinsicName(c);
    if (fn === 'Condition') {
      if (typeof c.Condition !== 'string' || !(c.Condition in this.conditions)) this.err(w, `Condition ${JSON.stringify(c.Condition)} is not defined`);
      return;
    }
    if (!fn || !CONDITION_FNS.has(fn)) { this.err(w, `expected Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition, got ${JSON.stringify(c)}`); return; }
    const a = c[fn];
    if (!Array.isArray(a)) { this.err(w, `${fn} takes a list`); return; }
    if (fn === 'Fn::Equals') {
      if (a.length !== 2) this.err(w, 'Fn::Equals takes two values');
      a.forEach((v, i) => this.checkConditionValue(`${w}.Fn::Equals[${i}]`, v));
    } else if (fn === 'Fn::Not') {
      if (a.length !== 1) this.err(w, 'Fn::Not takes one condition');
      a.forEach((v, i) => this.checkConditionExpr(`${w}.Fn::Not[${i}]`, v, false));
    } else {
      if (a.length < 2 || a.length > 10) this.err(w, `${fn} takes 2 to 10 conditions`);
      a.forEach((v, i) => this.checkConditionExpr(`${w}.${fn}[${i}]`, v, false));
    }
  }

  // A value inside Fn::Equals of a condition: literals, Ref to parameters and
  // pseudo parameters, and value functions over those.
  checkConditionValue(w, v) {
    const fn = intrinsicName(v);
    if (!fn) {
      if (isObj(v)) this.err(w, 'an object is not a value');
      else if (Array.isArray(v)) v.forEach((x, i) => this.checkConditionValue(`${w}[${i}]`, x));
      return;
    }
    if (fn === 'Ref') {
      if (!(v.Ref in this.params) && !(PSEUDO.has(v.Ref) && v.Ref !== 'AWS::NoValue')) {
        this.err(w, `Ref ${JSON.stringify(v.Ref)} in a condition must name a parameter or a pseudo parameter`);
      }
      return;
    }
    if (fn === 'Fn::Join' || fn === 'Fn::Select' || fn === 'Fn::Split' || fn === 'Fn::FindInMap' || fn === 'Fn::Sub') {
      this.checkValue(w, v, { conds: new Set(), inCondition: true });
      return;
    }
    this.err(w, `${fn} cannot be used in a condition`);
  }

  // Condition a implies condition b (a holds => b holds): same name, or a is
  // defined as Fn::And over b (recursively), or a is a Condition alias of b.
  implies(a, b, depth = 0) {
    if (a === b) return true;
    if (depth > 20) return false;
    const def = this.conditions[a];
    if (intrinsicName(def) === 'Condition') return this.implies(def.Condition, b, depth + 1);
    if (intrinsicName(def) === 'Fn::And' && Array.isArray(def['Fn::And'])) {
      return def['Fn::And'].some((x) => intrinsicName(x) === 'Condition' && this.implies(x.Condition, b, depth + 1));
    }
    return false;
  }

  holds(ctx, cond) {
    for (const c of ctx.conds) if (this.implies(c, cond)) return true;
    return false;
  }

  // --- Rules -------------------------------------------------------------
  checkRules() {
    const rules = this.t.Rules;
    if (rules === undefined) return;
    if (!isObj(rules)) { this.err('Rules', 'not a mapping'); return; }
    for (const [name, r] of Object.entries(rules)) {
      const w = `Rules.${name}`;
      if (!isObj(r)) { this.err(w, 'not a mapping'); continue; }
      for (const k of Object.keys(r)) if (k !== 'RuleCondition' && k !== 'Assertions') this.err(w, `unknown key ${k}`);
      if ('RuleCondition' in r) this.checkRuleExpr(`${w}.RuleCondition`, r.RuleCondition);
      if (!Array.isArray(r.Assertions) || r.Assertions.length === 0) { this.err(w, 'Assertions must be a non-empty list'); continue; }
      r.Assertions.forEach((a, i) => {
        const aw = `${w}.Assertions[${i}]`;
        if (!isObj(a)) { this.err(aw, 'not a mapping'); return; }
        for (const k of Object.keys(a)) if (k !== 'Assert' && k !== 'AssertDescription') this.err(aw, `unknown key ${k}`);
        if (!('Assert' in a)) this.err(aw, 'Assert missing');
        else this.checkRuleExpr(`${aw}.Assert`, a.Assert);
        if (typeof a.AssertDescription !== 'string' || a.AssertDescription === '') this.err(aw, 'AssertDescription missing: the user sees it when the rule refuses a stack');
      });
    }
  }

  checkRuleExpr(w, v) {
    const fn = intrinsicName(v);
    if (!fn) {
      if (isObj(v)) this.err(w, `not a rule function: ${JSON.stringify(v)}`);
      else if (Array.isArray(v)) v.forEach((x, i) => this.checkRuleExpr(`${w}[${i}]`, x));
      return;
    }
    if (fn === 'Ref') {
      if (!(v.Ref in this.params)) this.err(w, `Ref ${JSON.stringify(v.Ref)} in a rule must name a parameter`);
      return;
    }
    if (fn === 'Condition') { this.err(w, 'Condition cannot be used in Rules'); return; }
    if (!RULE_FNS.has(fn)) { this.err(w, `${fn} is not a rule-specific intrinsic function`); return; }
    const a = v[fn];
    const want = { 'Fn::Equals': 2, 'Fn::Not': 1, 'Fn::Contains': 2, 'Fn::EachMemberEquals': 2, 'Fn::EachMemberIn': 2, 'Fn::If': 3 }[fn];
    if (want !== undefined && (!Array.isArray(a) || a.length !== want)) this.err(w, `${fn} takes a list of ${want}`);
    if ((fn === 'Fn::And' || fn === 'Fn::Or') && (!Array.isArray(a) || a.length < 2 || a.length > 10)) this.err(w, `${fn} takes 2 to 10 conditions`);
    if (fn === 'Fn::RefAll' && typeof a !== 'string') this.err(w, 'Fn::RefAll takes a parameter type');
    if (Array.isArray(a)) a.forEach((x, i) => this.checkRuleExpr(`${w}.${fn}[${i}]`, x));
  }

  // --- Resources ---------------------------------------------------------
  checkResources() {
    for (const [name, r] of Object.entries(this.resources)) {
      const w = `Resources.${name}`;
      if (!/^[A-Za-z0-9]+$/.test(name)) this.err(w, 'logical id must be alphanumeric');
      if (!isObj(r)) { this.err(w, 'not a mapping'); continue; }
      for (const k of Object.keys(r)) if (!RESOURCE_KEYS.has(k)) this.err(w, `unknown resource attribute ${k}`);
      for (const k of ['DeletionPolicy', 'UpdateReplacePolicy']) {
        if (k in r && !DELETION_POLICIES.has(r[k])) this.err(w, `${k} ${JSON.stringify(r[k])} is not one of ${[...DELETION_POLICIES].join(', ')}`);
      }
      const conds = new Set();
      if ('Condition' in r) {
        if (typeof r.Condition !== 'string' || !(r.Condition in this.conditions)) this.err(w, `Condition ${JSON.stringify(r.Condition)} is not defined`);
        else conds.add(r.Condition);
      }
      const ctx = { conds, self: name };
      if ('DependsOn' in r) {
        const deps = Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn];
        for (const d of deps) {
          if (typeof d !== 'string' || !(d in this.resources)) this.err(w, `DependsOn ${JSON.stringify(d)} is not a resource`);
          else this.checkConditionalTarget(`${w}.DependsOn`, d, ctx);
        }
      }
      const type = r.Type;
      if (typeof type !== 'string') { this.err(w, 'Type missing'); continue; }
      if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') {
        if (r.Properties !== undefined) this.checkValue(`${w}.Properties`, r.Properties, ctx);
        continue;
      }
      const def = this.spec.resources.get(type);
      if (!def) { this.err(w, `unknown resource type ${type}`); continue; }
      const props = r.Properties === undefined ? {} : r.Properties;
      this.checkObject(`${w}.Properties`, props, def.properties, ctx);
    }
  }

  // An object against a property table {Name: {type, required}}.
  checkObject(w, obj, table, ctx) {
    if (intrinsicName(obj)) { this.checkValue(w, obj, ctx); return; }
    if (!isObj(obj)) { this.err(w, `expected an object, got ${JSON.stringify(obj)}`); return; }
    for (const [k, v] of Object.entries(obj)) {
      if (!(k in table)) {
        const close = Object.keys(table).find((n) => n.toLowerCase() === k.toLowerCase());
        this.err(`${w}.${k}`, `unknown property${close ? ` (did you mean ${close}?)` : ''}; known: ${Object.keys(table).sort().join(', ')}`);
        continue;
      }
      if (isObj(v) && v.Ref === 'AWS::NoValue' && table[k].required) {
        this.err(`${w}.${k}`, 'required property set to AWS::NoValue');
        continue;
      }
      this.checkTyped(`${w}.${k}`, v, table[k].type, ctx);
    }
    for (const [k, d] of Object.entries(table)) {
      if (d.required && !(k in obj)) this.err(w, `required property ${k} missing`);
    }
  }

  // A value against a schema type.
  checkTyped(w, v, type, ctx) {
    const fn = intrinsicName(v);
    if (fn === 'Fn::If') { this.checkIf(w, v, ctx, (bw, b, bctx) => this.checkTyped(bw, b, type, bctx)); return; }
    if (fn) {
      const ret = this.checkValue(w, v, ctx);
      this.checkIntrinsicAgainst(w, v, fn, ret, type);
      return;
    }
    switch (type.type) {
      case 'string':
      case 'date-time':
        if (isObj(v) || Array.isArray(v)) { this.err(w, `expected a string, got ${Array.isArray(v) ? 'a list' : 'an object'}`); return; }
        if (type.allowedValues && !type.allowedValues.includes(String(v))) this.err(w, `${JSON.stringify(v)} is not one of ${type.allowedValues.join(', ')}`);
        return;
      case 'integer':
      case 'number': {
        const ok = typeof v === 'number' ? (type.type === 'number' || Number.isInteger(v))
          : typeof v === 'string' && (type.type === 'number' ? /^-?[0-9]+(\.[0-9]+)?$/ : /^-?[0-9]+$/).test(v);
        if (!ok) this.err(w, `expected ${type.type === 'integer' ? 'an integer' : 'a number'}, got ${JSON.stringify(v)}`);
        else if (type.allowedValues && !type.allowedValues.map(Number).includes(Number(v))) this.err(w, `${v} is not one of ${type.allowedValues.join(', ')}`);
        return;
      }
      case 'boolean':
        if (!(typeof v === 'boolean' || v === 'true' || v === 'false')) this.err(w, `expected a boolean, got ${JSON.stringify(v)}`);
        return;
      case 'json':
        if (!isObj(v) && !Array.isArray(v)) this.err(w, `expected a JSON object, got ${JSON.stringify(v)}`);
        else this.checkValue(w, v, ctx);
        return;
      case 'tag':
        this.checkObject(w, v, { Key: { type: { type: 'string' }, required: true }, Value: { type: { type: 'string' }, required: true } }, ctx);
        return;
      case 'array':
        if (!Array.isArray(v)) { this.err(w, `expected a list, got ${JSON.stringify(v)}`); return; }
        v.forEach((x, i) => this.checkTyped(`${w}[${i}]`, x, type.element, ctx));
        return;
      case 'map':
        if (!isObj(v)) { this.err(w, `expected a map, got ${JSON.stringify(v)}`); return; }
        for (const [k, x] of Object.entries(v)) this.checkTyped(`${w}.${k}`, x, type.element, ctx);
        return;
      case 'ref': {
        const def = this.spec.types.get(type.reference.$ref);
        if (!def) { this.err(w, `schema type ${type.reference.$ref} not found`); return; }
        this.checkObject(w, v, def.properties || {}, ctx);
        return;
      }
      case 'union': {
        // Valid if some variant takes it; report the first variant's findings otherwise.
        let firstFindings = null;
        for (const t of type.types) {
          const saved = this.findings;
          this.findings = [];
          this.checkTyped(w, v, t, ctx);
          const got = this.findings;
          this.findings = saved;
          if (got.length === 0) return;
          if (!firstFindings) firstFindings = got;
        }
        this.findings.push(...firstFindings);
        return;
      }
      default:
        this.err(w, `schema type ${type.type} not understood by this checker`);
    }
  }

  // What an intrinsic returns, against what the schema wants.
  checkIntrinsicAgainst(w, v, fn, ret, type) {
    if (type.type === 'union') {
      if (!type.types.some((t) => this.intrinsicFits(v, fn, ret, t, w, true))) this.intrinsicFits(v, fn, ret, type.types[0], w, false);
      return;
    }
    this.intrinsicFits(v, fn, ret, type, w, false);
  }

  intrinsicFits(v, fn, ret, type, w, quiet) {
    const bad = (msg) => { if (!quiet) this.err(w, msg); return false; };
    const listy = type.type === 'array';
    if (ret === 'list' && !listy) return bad(`${fn} returns a list, ${type.type} expected`);
    if (ret === 'string' && listy) return bad(`${fn} returns a string, a list expected`);
    if (ret === 'string' && (type.type === 'ref' || type.type === 'map' || type.type === 'tag')) return bad(`${fn} returns a string, an object expected`);
    // Enumerations: a Ref to a parameter with AllowedValues (or a Default only)
    // must stay within the schema's values.
    const allowed = type.allowedValues;
    if (allowed && fn === 'Ref' && v.Ref in this.params) {
      const p = this.params[v.Ref];
      const values = Array.isArray(p.AllowedValues) ? p.AllowedValues : ('Default' in p ? [p.Default] : []);
      for (const x of values) {
        if (!allowed.map(String).includes(String(x))) return bad(`parameter ${v.Ref} allows ${JSON.stringify(x)}, not one of ${allowed.join(', ')}`);
      }
      if (!Array.isArray(p.AllowedValues) && !quiet) {
        // A free parameter feeding an enumeration: nothing stops a bad value.
        this.err(w, `parameter ${v.Ref} feeds an enumeration (${allowed.join(', ')}) but has no AllowedValues`);
        return false;
      }
    }
    if ((type.type === 'integer' || type.type === 'number') && fn === 'Ref' && v.Ref in this.params) {
      const p = this.params[v.Ref];
      if (p.Type !== 'Number' && !Array.isArray(p.AllowedValues)) return bad(`parameter ${v.Ref} (Type ${p.Type}) feeds a ${type.type} property; declare it Type: Number`);
    }
    return true;
  }

  checkIf(w, v, ctx, branch) {
    const a = v['Fn::If'];
    if (!Array.isArray(a) || a.length !== 3) { this.err(w, 'Fn::If takes [condition, then, else]'); return; }
    const [c, yes, no] = a;
    if (typeof c !== 'string' || !(c in this.conditions)) { this.err(w, `Fn::If condition ${JSON.stringify(c)} is not defined`); return; }
    const yctx = Object.assign({}, ctx, { conds: new Set([...ctx.conds, c]) });
    const check = (bw, b, bctx) => { if (!(isObj(b) && b.Ref === 'AWS::NoValue')) branch(bw, b, bctx); };
    check(`${w}.Fn::If[1]`, yes, yctx);
    check(`${w}.Fn::If[2]`, no, ctx);
  }

  checkConditionalTarget(w, target, ctx) {
    const r = this.resources[target];
    if (!isObj(r) || typeof r.Condition !== 'string') return;
    if (!this.holds(ctx, r.Condition)) this.err(w, `refers to ${target}, which exists only when condition ${r.Condition} holds; guard it with the same Condition or Fn::If`);
  }

  // Any value (untyped): walks intrinsics and checks them; returns 'string',
  // 'list' or 'any' for an intrinsic's result.
  checkValue(w, v, ctx) {
    if (Array.isArray(v)) { v.forEach((x, i) => this.checkValue(`${w}[${i}]`, x, ctx)); return 'list'; }
    if (!isObj(v)) return 'any';
    const fn = intrinsicName(v);
    if (!fn) {
      for (const [k, x] of Object.entries(v)) this.checkValue(`${w}.${k}`, x, ctx);
      return 'any';
    }
    const a = v[fn];
    switch (fn) {
      case 'Ref': {
        if (typeof a !== 'string') { this.err(w, 'Ref takes a name'); return 'any'; }
        if (a in this.params) return paramTypeIsList(this.params[a].Type) ? 'list' : 'string';
        if (PSEUDO.has(a)) return a === 'AWS::NotificationARNs' ? 'list' : 'string';
        if (a in this.resources) {
          if (ctx.inCondition) this.err(w, `Ref ${a}: a condition cannot refer to a resource`);
          if (a === ctx.self) this.err(w, `Ref ${a}: a resource cannot refer to itself`);
          this.checkConditionalTarget(w, a, ctx);
          return 'string';
        }
        this.err(w, `Ref ${JSON.stringify(a)} names no parameter, resource or pseudo parameter (dangling reference)`);
        return 'any';
      }
      case 'Condition':
        this.err(w, 'Condition can be used only inside Conditions and Fn::If');
        return 'any';
      case 'Fn::GetAtt': {
        let res, att;
        if (Array.isArray(a) && a.length === 2 && typeof a[0] === 'string') {
          [res, att] = a;
        } else if (typeof a === 'string' && a.includes('.')) {
          [res, att] = [a.slice(0, a.indexOf('.')), a.slice(a.indexOf('.') + 1)];
        } else { this.err(w, 'Fn::GetAtt takes [resource, attribute]'); return 'any'; }
        if (isObj(att)) { this.checkValue(`${w}[1]`, att, ctx); return 'any'; }
        return this.checkGetAtt(w, res, att, ctx);
      }
      case 'Fn::Sub': {
        let text, vars = {};
        if (typeof a === 'string') text = a;
        else if (Array.isArray(a) && a.length === 2 && typeof a[0] === 'string' && isObj(a[1])) {
          [text, vars] = a;
          for (const [k, x] of Object.entries(vars)) this.checkValue(`${w}.${k}`, x, ctx);
        } else { this.err(w, 'Fn::Sub takes a string or [string, {variables}]'); return 'string'; }
        const re = /\$\{([^}]*)\}/g;
        let m;
        while ((m = re.exec(text)) !== null) {
          const name = m[1];
          if (name.startsWith('!')) continue;
          if (name in vars) continue;
          if (name.includes('.') && !PSEUDO.has(name)) {
            const dot = name.indexOf('.');
            this.checkGetAtt(w, name.slice(0, dot), name.slice(dot + 1), ctx, 'Fn::Sub');
          } else if (!(name in this.params) && !PSEUDO.has(name) && !(name in this.resources)) {
            this.err(w, `Fn::Sub variable \${${name}} names no parameter, resource or pseudo parameter (dangling reference)`);
          } else if (name in this.resources) {
            this.checkConditionalTarget(w, name, ctx);
          } else if (name in this.params && paramTypeIsList(this.params[name].Type)) {
            this.err(w, `Fn::Sub variable \${${name}} is a list parameter`);
          }
        }
        return 'string';
      }
      case 'Fn::Join':
        if (!Array.isArray(a) || a.length !== 2 || typeof a[0] !== 'string') { this.err(w, 'Fn::Join takes [delimiter, list]'); return 'string'; }
        if (!Array.isArray(a[1])) {
          const r = this.checkValue(`${w}[1]`, a[1], ctx);
          if (r === 'string') this.err(`${w}[1]`, 'Fn::Join needs a list');
        } else a[1].forEach((x, i) => this.checkValue(`${w}[1][${i}]`, x, ctx));
        return 'string';
      case 'Fn::Select':
        if (!Array.isArray(a) || a.length !== 2) { this.err(w, 'Fn::Select takes [index, list]'); return 'any'; }
        this.checkValue(w, a, ctx);
        return 'string';
      case 'Fn::Split':
        if (!Array.isArray(a) || a.length !== 2 || typeof a[0] !== 'string') { this.err(w, 'Fn::Split takes [delimiter, string]'); return 'list'; }
        this.checkValue(`${w}[1]`, a[1], ctx);
        return 'list';
      case 'Fn::Base64':
      case 'Fn::ImportValue':
        this.checkValue(w, a, ctx);
        return 'string';
      case 'Fn::GetAZs':
        this.checkValue(w, a, ctx);
        return 'list';
      case 'Fn::Cidr':
        if (!Array.isArray(a) || a.length !== 3) this.err(w, 'Fn::Cidr takes [block, count, bits]');
        this.checkValue(w, a, ctx);
        return 'list';
      case 'Fn::FindInMap': {
        if (!Array.isArray(a) || a.length !== 3) { this.err(w, 'Fn::FindInMap takes [map, key, key]'); return 'any'; }
        if (typeof a[0] === 'string' && !(a[0] in this.mappings)) this.err(w, `Fn::FindInMap: mapping ${a[0]} is not defined`);
        this.checkValue(w, a, ctx);
        return 'any';
      }
      case 'Fn::If': {
        let kinds = new Set();
        this.checkIf(w, v, ctx, (bw, b, bctx) => kinds.add(this.checkValue(bw, b, bctx)));
        return kinds.size === 1 ? [...kinds][0] : 'any';
      }
      default:
        if (RULE_FNS.has(fn) || CONDITION_FNS.has(fn)) this.err(w, `${fn} cannot be used in a property value (only in Conditions, Rules or Fn::If)`);
        else if (fn === 'Fn::ToJsonString' || fn === 'Fn::Length') this.err(w, `${fn} needs the AWS::LanguageExtensions transform, which these templates do not use`);
        else if (!VALUE_FNS.has(fn)) this.err(w, `unknown intrinsic function ${fn}`);
        return 'any';
    }
  }

  checkGetAtt(w, res, att, ctx, via = 'Fn::GetAtt') {
    if (!(res in this.resources)) { this.err(w, `${via} ${res}.${att}: ${res} is not a resource (dangling reference)`); return 'any'; }
    if (res === ctx.self) this.err(w, `${via} ${res}.${att}: a resource cannot refer to itself`);
    this.checkConditionalTarget(w, res, ctx);
    const type = this.resources[res].Type;
    if (typeof type !== 'string' || type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') return 'any';
    const def = this.spec.resources.get(type);
    if (!def) return 'any';
    const a = def.attributes[att];
    if (!a) { this.err(w, `${via} ${res}.${att}: ${type} has no attribute ${att}; it has ${Object.keys(def.attributes).sort().join(', ') || 'none'}`); return 'any'; }
    return a.type && a.type.type === 'array' ? 'list' : 'string';
  }

  // --- Outputs -----------------------------------------------------------
  checkOutputs() {
    const outs = this.t.Outputs;
    if (outs === undefined) return;
    if (!isObj(outs)) { this.err('Outputs', 'not a mapping'); return; }
    for (const [name, o] of Object.entries(outs)) {
      const w = `Outputs.${name}`;
      if (!isObj(o)) { this.err(w, 'not a mapping'); continue; }
      for (const k of Object.keys(o)) if (!['Value', 'Description', 'Export', 'Condition'].includes(k)) this.err(w, `unknown key ${k}`);
      if (!('Value' in o)) this.err(w, 'Value missing');
      const conds = new Set();
      if ('Condition' in o) {
        if (!(o.Condition in this.conditions)) this.err(w, `Condition ${JSON.stringify(o.Condition)} is not defined`);
        else conds.add(o.Condition);
      }
      this.checkValue(`${w}.Value`, o.Value, { conds, self: null });
      if ('Export' in o) this.checkValue(`${w}.Export`, o.Export, { conds, self: null });
    }
  }
}

// ---------------------------------------------------------------------------
// Evaluating Conditions and Rules for one parameter set.

class Evaluator {
  constructor(tpl, values) {
    this.t = tpl;
    this.params = isObj(tpl.Parameters) ? tpl.Parameters : {};
    this.values = values;
    this.condCache = {};
  }

  param(name) {
    if (name in this.values) return this.values[name];
    const p = this.params[name];
    if (p && 'Default' in p) return Array.isArray(p.Default) ? p.Default.join(',') : String(p.Default);
    throw new Error(`parameter ${name} has no value and no Default`);
  }

  ref(name) {
    if (name in this.params) {
      const v = this.param(name);
      return paramTypeIsList(this.params[name].Type) ? (v === '' ? [] : v.split(',')) : v;
    }
    if (name === 'AWS::Region') return this.values['AWS::Region'] || 'us-east-1';
    if (name === 'AWS::AccountId') return this.values['AWS::AccountId'] || '123456789012';
    if (name === 'AWS::Partition') return this.values['AWS::Partition'] || 'aws';
    if (name === 'AWS::StackName') return this.values['AWS::StackName'] || 'italic-lint';
    if (name === 'AWS::URLSuffix') return 'amazonaws.com';
    throw new Error(`cannot evaluate Ref ${name}`);
  }

  value(v) {
    const fn = intrinsicName(v);
    if (!fn) return Array.isArray(v) ? v.map((x) => this.value(x)) : v;
    const a = v[fn];
    switch (fn) {
      case 'Ref': return this.ref(a);
      case 'Fn::Join': return this.value(a[1]).map(String).join(a[0]);
      case 'Fn::Select': return this.value(a[1])[Number(this.value(a[0]))];
      case 'Fn::Split': return String(this.value(a[1])).split(a[0]);
      case 'Fn::Sub': {
        const text = typeof a === 'string' ? a : a[0];
        const vars = typeof a === 'string' ? {} : a[1];
        return text.replace(/\$\{([^}]*)\}/g, (m, n) => (n.startsWith('!') ? '${' + n.slice(1) + '}' : String(n in vars ? this.value(vars[n]) : this.ref(n))));
      }
      case 'Fn::If': return this.cond(a[0]) ? this.value(a[1]) : this.value(a[2]);
      case 'Fn::Equals': return String(this.value(a[0])) === String(this.value(a[1]));
      case 'Fn::Not': return !this.bool(a[0]);
      case 'Fn::And': return a.every((x) => this.bool(x));
      case 'Fn::Or': return a.some((x) => this.bool(x));
      case 'Fn::Contains': return this.value(a[0]).map(String).includes(String(this.value(a[1])));
      case 'Fn::EachMemberEquals': return this.value(a[0]).every((x) => String(x) === String(this.value(a[1])));
      case 'Fn::EachMemberIn': {
        const pool = this.value(a[1]).map(String);
        return this.value(a[0]).every((x) => pool.includes(String(x)));
      }
      case 'Condition': return this.cond(a);
      default: throw new Error(`cannot evaluate ${fn} here`);
    }
  }

  bool(v) {
    const r = this.value(v);
    if (typeof r !== 'boolean') throw new Error(`expected a condition, got ${JSON.stringify(v)}`);
    return r;
  }

  cond(name) {
    if (!(name in this.condCache)) this.condCache[name] = this.bool(this.t.Conditions[name]);
    return this.condCache[name];
  }

  // Names of the rules that refuse this parameter set.
  failingRules() {
    const out = [];
    for (const [name, r] of Object.entries(this.t.Rules || {})) {
      if ('RuleCondition' in r && !this.bool(r.RuleCondition)) continue;
      if (r.Assertions.some((x) => !this.bool(x.Assert))) out.push(name);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------

function parseArg(arg) {
  let rest = arg;
  let expectRule = null;
  const bang = rest.lastIndexOf('!');
  if (bang > 0 && /^[A-Za-z0-9]+$/.test(rest.slice(bang + 1))) {
    expectRule = rest.slice(bang + 1);
    rest = rest.slice(0, bang);
  }
  const at = rest.indexOf('@');
  const file = at < 0 ? rest : rest.slice(0, at);
  const values = {};
  if (at >= 0 && at < rest.length - 1) {
    // A comma starts a new Name=Value only when a name follows, so list
    // values (CommaDelimitedList) can contain commas.
    for (const kv of rest.slice(at + 1).split(/,(?=[A-Za-z0-9:]+=)/)) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new Error(`bad parameter "${kv}" in ${arg}`);
      values[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  }
  return { file, values, expectRule, hasSet: at >= 0 };
}

function main() {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    console.error('usage: cfn-validate.js FILE[@Name=Value,...][!RuleName]...');
    process.exit(2);
  }
  const spec = loadSpec();
  // CFN_VALIDATE_SUPPLEMENT: another supplement file (the tests use it).
  const supProblems = applySupplement(spec, process.env.CFN_VALIDATE_SUPPLEMENT || path.join(__dirname, 'spec-supplement.json'));
  let bad = 0;
  for (const p of supProblems) { console.log(`cfn-validate: ${p}`); bad++; }
  console.log(`cfn-validate: schemas from @aws-cdk/aws-service-spec ${spec.version} (${spec.resources.size} resource types) + spec-supplement.json`);

  const checked = new Map();
  for (const arg of args) {
    let parsed;
    try { parsed = parseArg(arg); } catch (e) { console.error('cfn-validate.js: ' + e.message); process.exit(2); }
    const { file, values, expectRule, hasSet } = parsed;
    let tpl;
    try { tpl = loadTemplate(file); } catch (e) {
      console.log(`cfn-validate: ${file}: cannot parse: ${e.message}`);
      bad++;
      continue;
    }
    if (!checked.has(file)) {
      const findings = new Checker(spec, file, tpl).run();
      checked.set(file, findings.length);
      if (findings.length) {
        console.log(`cfn-validate: ${file}: ${findings.length} finding(s)`);
        for (const f of findings) console.log(`  ${f}`);
        bad++;
      } else {
        console.log(`cfn-validate: ${file}: schema ok`);
      }
    }
    if (!hasSet && !expectRule) continue;
    // Parameter set: given values must satisfy their own constraints, then the Rules.
    const checker = new Checker(spec, file, tpl);
    const problems = [];
    for (const [k, v] of Object.entries(values)) {
      if (k.startsWith('AWS::')) continue;
      if (!(k in checker.params)) { problems.push(`${k} is not a parameter`); continue; }
      const why = checker.paramValueProblem(k, v);
      if (why) problems.push(`${k}=${JSON.stringify(v)}: ${why}`);
    }
    for (const [k, p] of Object.entries(checker.params)) {
      if (!(k in values) && !('Default' in p)) problems.push(`${k} has no Default and no value in the set`);
    }
    if (problems.length) {
      console.log(`cfn-validate: ${arg}: parameter set invalid: ${problems.join('; ')}`);
      bad++;
      continue;
    }
    let failing;
    try { failing = new Evaluator(tpl, values).failingRules(); } catch (e) {
      console.log(`cfn-validate: ${arg}: cannot evaluate Rules: ${e.message}`);
      bad++;
      continue;
    }
    if (expectRule) {
      if (!tpl.Rules || !(expectRule in tpl.Rules)) {
        console.log(`cfn-validate: ${arg}: no rule ${expectRule}`); bad++;
      } else if (!failing.includes(expectRule)) {
        console.log(`cfn-validate: ${arg}: rule ${expectRule} accepted a parameter set it must refuse`); bad++;
      } else {
        console.log(`cfn-validate: ${arg}: refused by ${failing.join(', ')} as expected`);
      }
    } else if (failing.length) {
      console.log(`cfn-validate: ${arg}: refused by rule(s) ${failing.join(', ')}`); bad++;
    } else {
      console.log(`cfn-validate: ${arg}: rules pass`);
    }
  }
  process.exit(bad === 0 ? 0 : 1);
}

main();
