#!/usr/bin/env node
// Validates CloudFormation templates with the pinned npm package cfn-lint
// (martysweet/cfn-lint 1.9.7, see package.json).
// Usage: cfn-lint.js FILE[@Name=Value,...]...  (a value may contain commas)
// Each argument validates FILE once, with the given parameter values (names
// starting with AWS:: set pseudo parameters); parameters not given take their
// Default or are mocked from their Type/AllowedValues. Validating a template
// several times with different values covers both branches of its conditions.
//
// Why not plain `cfn-lint validate FILE`: that package bundles the AWS resource
// specification 2.29.0 from 2019, which has no AWS::Events::Connection,
// AWS::Events::ApiDestination or AWS::Config::OrganizationConfigRule and lacks
// newer properties (Rule target RetryPolicy/DeadLetterConfig, Rule EventBusName,
// SqsManagedSseEnabled, S3 OwnershipControls, IAM Role Description); the CLI
// stops with "No such resource AWS::Events::ApiDestination". This wrapper uses
// the package's public API (validateFile) after merging spec-supplement.json
// into its specification with its own extendSpecification(), so every resource
// is still checked for property names, required properties, types, Refs,
// GetAtts, Subs and conditions. The supplement is hand-transcribed from the
// CloudFormation reference and does not check enumerations or patterns.
//
// Exit status: 0 when every file has no finding (crit, warn or info), 1 otherwise.
'use strict';
const path = require('path');
const fs = require('fs');

const root = path.resolve(__dirname, '..', '..');
let cfnLint, resourcesSpec;
try {
  cfnLint = require(path.join(root, 'node_modules', 'cfn-lint'));
  resourcesSpec = require(path.join(root, 'node_modules', 'cfn-lint', 'lib', 'resourcesSpec'));
} catch (e) {
  console.error('cfn-lint.js: npm package cfn-lint missing; run `npm ci` in ' + root);
  process.exit(2);
}

const supplement = JSON.parse(fs.readFileSync(path.join(__dirname, 'spec-supplement.json'), 'utf8'));
delete supplement._comment;
resourcesSpec.extendSpecification(supplement);

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('usage: cfn-lint.js TEMPLATE[@Name=Value,...]...');
  process.exit(2);
}

let bad = 0;
for (const arg of args) {
  const at = arg.indexOf('@');
  const file = at < 0 ? arg : arg.slice(0, at);
  const parameters = {};
  const pseudoParameters = {};
  if (at >= 0) {
    // A comma starts a new Name=Value only when a name follows, so list
    // values (CommaDelimitedList) can contain commas.
    for (const kv of arg.slice(at + 1).split(/,(?=[A-Za-z0-9:]+=)/)) {
      const eq = kv.indexOf('=');
      if (eq <= 0) {
        console.error(`cfn-lint.js: bad parameter "${kv}" in ${arg}`);
        process.exit(2);
      }
      const name = kv.slice(0, eq);
      (name.startsWith('AWS::') ? pseudoParameters : parameters)[name] = kv.slice(eq + 1);
    }
  }
  let result;
  try {
    result = cfnLint.validateFile(file, { parameters, pseudoParameters, guessParameters: undefined });
  } catch (e) {
    console.log(`cfn-lint: ${arg}: cannot parse: ${e.message || e}`);
    bad++;
    continue;
  }
  const findings = [];
  for (const level of ['crit', 'warn', 'info']) {
    for (const err of result.errors[level]) {
      findings.push(`  ${level}: ${err.resource}: ${err.message}`);
    }
  }
  if (findings.length > 0 || !result.templateValid) {
    console.log(`cfn-lint: ${arg}: ${findings.length} finding(s)`);
    findings.forEach((f) => console.log(f));
    bad++;
  } else {
    console.log(`cfn-lint: ${arg}: ok`);
  }
}
process.exit(bad === 0 ? 0 : 1);
