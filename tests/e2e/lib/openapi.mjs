// The contract check: loads docs/openapi.yaml and validates a real HTTP
// response against what it documents for that path, method and status.
// An undocumented status, a body of the wrong media type, a JSON body that
// does not fit the schema (response objects are additionalProperties:
// false, so an extra field fails too) or a missing required header throws.
//
//   checkResponse({ method, path, status, headers, text })  -> parsed JSON or null
//   validateSchema('WebhookEvent', value)                    -> throws on mismatch
//   seen()  the "METHOD template status" triples checked so far
//   documentedOperations(filter)  ["METHOD template", ...]

import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import { E2E_DIR } from './harness.mjs';

export const SPEC_PATH = path.resolve(E2E_DIR, '../../docs/openapi.yaml');
export const spec = YAML.parse(fs.readFileSync(SPEC_PATH, 'utf8'));

const SPEC_ID = 'parley-openapi.yaml';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
ajv.addSchema(spec, SPEC_ID);
const validators = new Map();   // JSON pointer -> compiled validator

function validatorAt(pointer) {
	let v = validators.get(pointer);
	if (!v) {
		v = ajv.compile({ $ref: `${SPEC_ID}#${pointer}` });
		validators.set(pointer, v);
	}
	return v;
}

const esc = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function at(pointer) {
	let node = spec;
	for (const part of pointer.split('/').slice(1))
		node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
	return node;
}

// Follows "$ref": "#/..." (only local refs are used); returns [object, pointer].
function deref(obj, pointer) {
	for (let i = 0; obj && obj.$ref && i < 10; i++) {
		if (!obj.$ref.startsWith('#/')) throw new Error(`openapi: only local $ref supported: ${obj.$ref}`);
		pointer = obj.$ref.slice(1);
		obj = at(pointer);
	}
	return [obj, pointer];
}

const templates = Object.keys(spec.paths).map((t) => ({
	template: t,
	regex: new RegExp('^' + t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$'),
}));

// The documented template for a concrete path, or null.
export function templateFor(p) {
	const hit = templates.find((t) => t.regex.test(p));
	return hit ? hit.template : null;
}

const seenSet = new Set();
export const seen = () => new Set(seenSet);

export function documentedOperations(filter = () => true) {
	const out = [];
	for (const [t, item] of Object.entries(spec.paths))
		for (const m of METHODS)
			if (item[m] && filter(t, m)) out.push(`${m.toUpperCase()} ${t}`);
	return out;
}

export function documentedStatuses(op) {
	const [m, t] = op.split(' ');
	return Object.keys(spec.paths[t][m.toLowerCase()].responses);
}

// The responses map that applies to method+path, and a pointer to it.
function responsesFor(method, p) {
	const m = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
	const template = templateFor(p);
	if (!template) {
		const base = '/components/x-undocumented-paths';
		return { template: '(undocumented path)', pointer: base, responses: at(base) };
	}
	const itemPointer = `/paths/${esc(template)}`;
	const item = spec.paths[template];
	if (item[m])
		return { template, pointer: `${itemPointer}/${m}/responses`, responses: item[m].responses };
	const [other, otherPointer] = deref(item['x-other-methods'], `${itemPointer}/x-other-methods`);
	if (!other) throw new Error(`openapi: ${method} ${template} is not documented and the path has no x-other-methods`);
	return { template, pointer: otherPointer, responses: other };
}

function mediaType(ct) {
	return (ct || '').split(';')[0].trim().toLowerCase();
}

function header(headers, name) {
	if (!headers) return undefined;
	if (typeof headers.get === 'function') return headers.get(name) ?? undefined;
	const v = headers[name.toLowerCase()];
	return Array.isArray(v) ? v.join(', ') : v;
}

function describeErrors(errors) {
	return (errors || []).slice(0, 8).map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`).join('; ');
}

// Checks one response. headers: a fetch Headers or a node header object.
// Returns the parsed JSON body (or null when the body is not JSON).
export function checkResponse({ method, path: p, status, headers, text }) {
	const urlPath = p.split('?')[0];
	const { template, pointer, responses } = responsesFor(method, urlPath);
	const where = `${method} ${urlPath} (${template}) → ${status}`;
	const raw = responses?.[String(status)];
	if (!raw) throw new Error(`contract: ${where} is not documented (documented: ${Object.keys(responses || {}).join(', ')}); body: ${String(text).slice(0, 300)}`);
	const [resp, respPointer] = deref(raw, `${pointer}/${status}`);
	seenSet.add(`${method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase()} ${template} ${status}`);

	for (const [name, h] of Object.entries(resp.headers || {})) {
		if (h.required && header(headers, name) === undefined)
			throw new Error(`contract: ${where} lacks the required header ${name}`);
	}
	const content = resp.content;
	if (!content) {
		if (method.toUpperCase() !== 'HEAD' && text && text.length)
			throw new Error(`contract: ${where} must have no body, got ${JSON.stringify(String(text).slice(0, 200))}`);
		return null;
	}
	const ct = mediaType(header(headers, 'content-type'));
	if (!(ct in content))
		throw new Error(`contract: ${where} has Content-Type ${JSON.stringify(ct)}, documented: ${Object.keys(content).join(', ')}`);
	if (method.toUpperCase() === 'HEAD') return null;
	if (ct !== 'application/json') return null;
	let json;
	try { json = JSON.parse(text); } catch (e) {
		throw new Error(`contract: ${where} says application/json but the body is not JSON: ${String(text).slice(0, 200)}`);
	}
	const schemaPointer = `${respPointer}/content/${esc(ct)}/schema`;
	const v = validatorAt(schemaPointer);
	if (!v(json))
		throw new Error(`contract: ${where} body does not match ${schemaPointer}: ${describeErrors(v.errors)}\nbody: ${text.slice(0, 800)}`);
	return json;
}

// Validates value against components/schemas/<name>.
export function validateSchema(name, value) {
	const pointer = `/components/schemas/${esc(name)}`;
	if (!at(pointer)) throw new Error(`openapi: no schema ${name}`);
	const v = validatorAt(pointer);
	if (!v(value)) throw new Error(`contract: value does not match ${name}: ${describeErrors(v.errors)}\nvalue: ${JSON.stringify(value).slice(0, 800)}`);
	return value;
}

// Problems with the document itself: $refs that do not resolve, operations
// without responses, schemas ajv cannot compile. Returns a list of strings.
export function lintSpec() {
	const problems = [];
	const walk = (node, pointer) => {
		if (!node || typeof node !== 'object') return;
		if (typeof node.$ref === 'string') {
			if (!node.$ref.startsWith('#/')) problems.push(`${pointer}: non-local $ref ${node.$ref}`);
			else if (at(node.$ref.slice(1)) === undefined) problems.push(`${pointer}: $ref ${node.$ref} does not resolve`);
		}
		for (const [k, v] of Object.entries(node)) walk(v, `${pointer}/${esc(k)}`);
	};
	walk(spec, '');
	if (!/^3\.1\./.test(spec.openapi)) problems.push(`openapi is ${spec.openapi}, not 3.1.x`);
	for (const [t, item] of Object.entries(spec.paths)) {
		for (const m of METHODS) {
			if (!item[m]) continue;
			if (!item[m].responses || !Object.keys(item[m].responses).length) problems.push(`${m} ${t}: no responses`);
			if (!item[m].operationId) problems.push(`${m} ${t}: no operationId`);
			for (const [status, r] of Object.entries(item[m].responses || {})) {
				const [resp, rp] = deref(r, `/paths/${esc(t)}/${m}/responses/${status}`);
				if (!resp || !resp.description) problems.push(`${m} ${t} ${status}: no description`);
				for (const ct of Object.keys(resp?.content || {})) {
					try { validatorAt(`${rp}/content/${esc(ct)}/schema`); } catch (e) { problems.push(`${m} ${t} ${status} ${ct}: ${e.message}`); }
				}
			}
		}
	}
	for (const name of Object.keys(spec.components.schemas)) {
		try { validatorAt(`/components/schemas/${esc(name)}`); } catch (e) { problems.push(`schema ${name}: ${e.message}`); }
	}
	return problems;
}
