#!/usr/bin/env node
// render.js executes API Gateway (REST API) mapping templates with velocityjs,
// so that Go tests can check the Velocity templates the CDK app deploys.
//
// Protocol: every line of stdin is one JSON request
//
//   {"template": "...", "body": "...", "bodyBase64": "...",
//    "headers": {"Name": "value"}, "querystring": {...}, "path": {...},
//    "stageVariables": {...}, "context": {"requestId": "...", ...}}
//
// (bodyBase64, when present, replaces body and is decoded as UTF-8 with
// replacement characters, as API Gateway turns request bytes into
// $input.body) and every line of stdout is its answer
//
//   {"output": "...", "statusOverride": 201, "headerOverrides": {"Name": "value"},
//    "requestOverrides": {"header": {...}, "path": {...}, "querystring": {...}}}
//
// or {"error": "..."} when the template fails where API Gateway would fail
// the request (invalid JSON given to $util.parseJson or $input.path, an
// override set twice, a null given to $util.base64Encode).
//
// The variables follow AWS's "API Gateway mapping template and access
// logging variable reference". Where velocityjs differs from the Java
// Velocity 1.7 engine API Gateway runs, this file restores the Java
// behaviour that mapping templates rely on:
//   - maps ($input.params(), $util.parseJson objects, $input.path objects)
//     are java.util.Map look-alikes: keySet(), get(), containsKey(), size(),
//     isEmpty(), entrySet(), values() and toString() always mean the Map
//     methods, whatever keys the map holds (a client could send a header
//     named "keySet"), and $map.key reads a key;
//   - #set with a null right-hand side leaves the variable unchanged;
//   - #if, #elseif, &&, || and ! treat only null and false as false (0 and
//     "" are true in Velocity 1.7, false in JavaScript), and a bare literal
//     as false (#if("x") and #if(1) are false in Velocity 1.7);
//   - JSON null reads as a null reference (rendered as the literal
//     reference text, as Velocity does), not as the string "null";
//   - common java.lang.String methods missing from JavaScript strings
//     (length(), equals(), equalsIgnoreCase(), contains(), isEmpty(),
//     matches(), replaceAll(), replaceFirst()) are provided;
//   - an override ($context.responseOverride.*, $context.requestOverride.*)
//     may be set once per request: AWS answers 5XX when a template sets the
//     same one twice.
// velocityjs already parses '-' inside identifiers as Velocity 1.7 does
// ($context.responseOverride.header.Content-Type).
//
// java/Render.java speaks the same protocol on Apache Velocity 1.7 (JVM);
// PAYMENTAPI_VTL_ENGINE=tools/vtl/java/velocity17.sh runs the Go tests on it
// to cross-check this file.
'use strict';

const readline = require('node:readline');
const { parse, Compile } = require('velocityjs');

const MAP = Symbol('javaMap');

// javaMap wraps a plain object (or Map) as a java.util.Map look-alike for
// velocityjs: method names resolve to Map methods, other names to keys.
function javaMap(source, onSet) {
  const entries = source instanceof Map ? source : new Map(Object.entries(source || {}));
  const methods = {
    get: (k) => nullToUndefined(entries.get(String(k))),
    containsKey: (k) => entries.has(String(k)),
    keySet: () => Array.from(entries.keys()),
    values: () => Array.from(entries.values()),
    entrySet: () => Array.from(entries, ([key, value]) => ({ key, value, getKey: () => key, getValue: () => value })),
    size: () => entries.size,
    isEmpty: () => entries.size === 0,
    put: (k, v) => {
      const old = entries.get(String(k));
      set(String(k), v);
      return old;
    },
    toString: () => '{' + Array.from(entries, ([k, v]) => `${k}=${javaString(v)}`).join(', ') + '}',
  };
  function set(key, value) {
    if (onSet) onSet(key, value);
    entries.set(key, value);
  }
  return new Proxy(Object.create(null), {
    get(_, prop) {
      if (prop === MAP) return entries;
      if (typeof prop === 'symbol') return undefined;
      if (Object.prototype.hasOwnProperty.call(methods, prop)) return methods[prop];
      return nullToUndefined(entries.get(prop));
    },
    has(_, prop) {
      return typeof prop === 'string' && (Object.prototype.hasOwnProperty.call(methods, prop) || entries.has(prop));
    },
    set(_, prop, value) {
      // velocityjs stores an `eval` helper on every object it calls a
      // method on; it is not a map entry.
      if (prop === 'eval' || typeof prop === 'symbol') return true;
      set(prop, value);
      return true;
    },
    ownKeys() {
      return Array.from(entries.keys());
    },
    getOwnPropertyDescriptor(_, prop) {
      if (!entries.has(prop)) return undefined;
      return { value: nullToUndefined(entries.get(prop)), enumerable: true, configurable: true, writable: true };
    },
  });
}

function nullToUndefined(v) {
  return v === null ? undefined : v;
}

// javaString renders a value as Java's toString would.
function javaString(v) {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return '[' + v.map(javaString).join(', ') + ']';
  return String(v);
}

// fromJSON turns parsed JSON into Velocity values: objects become Maps,
// arrays stay arrays (java.util.List), null becomes a null reference.
function fromJSON(v) {
  if (v === null) return undefined;
  if (Array.isArray(v)) return v.map(fromJSON);
  if (typeof v === 'object') return javaMap(new Map(Object.entries(v).map(([k, x]) => [k, fromJSON(x)])));
  return v;
}

function parseJSONOrThrow(text, what) {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: invalid JSON (${e.message}); API Gateway fails the request`);
  }
}

// evalJSONPath evaluates the JSONPath subset mapping templates use: $,
// .name, ['name'], ["name"], [index]. A missing node is undefined.
function evalJSONPath(doc, path) {
  path = String(path);
  if (path[0] !== '$') throw new Error(`unsupported JSONPath ${JSON.stringify(path)}`);
  let node = doc;
  let i = 1;
  const re = /^(?:\.([A-Za-z_$][\w$-]*)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*(\d+)\s*\])/;
  while (i < path.length) {
    const m = re.exec(path.slice(i));
    if (!m) throw new Error(`unsupported JSONPath ${JSON.stringify(path)}`);
    i += m[0].length;
    if (node === null || node === undefined || typeof node !== 'object') return undefined;
    if (m[4] !== undefined) {
      node = Array.isArray(node) ? node[Number(m[4])] : undefined;
    } else {
      const key = m[1] ?? (m[2] ?? m[3]).replace(/\\(.)/g, '$1');
      node = Array.isArray(node) || !Object.prototype.hasOwnProperty.call(node, key) ? undefined : node[key];
    }
  }
  return node;
}

// escapeJavaScript is Apache Commons Lang 2 StringEscapeUtils.escapeJavaScript,
// which $util.escapeJavaScript documents ("turns ' into \'").
function escapeJavaScript(s) {
  if (s === null || s === undefined) return undefined;
  s = String(s);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const hex = c.toString(16).toUpperCase();
    if (c > 0xfff) out += '\\u' + hex;
    else if (c > 0xff) out += '\\u0' + hex;
    else if (c > 0x7f) out += '\\u00' + hex;
    else if (c < 32) {
      const named = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' }[c];
      out += named || (c > 0xf ? '\\u00' + hex : '\\u000' + hex);
    } else if (c === 0x27) out += "\\'";
    else if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x2f) out += '\\/';
    else out += s[i];
  }
  return out;
}

// urlEncode is java.net.URLEncoder.encode(s, "UTF-8").
function urlEncode(s) {
  return encodeURIComponent(String(s))
    .replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

function requireString(fn, v) {
  if (v === null || v === undefined) {
    throw new Error(`$util.${fn} was given a null reference; API Gateway fails the request`);
  }
  return String(v);
}

const util = {
  escapeJavaScript,
  parseJson: (s) => fromJSON(parseJSONOrThrow(requireString('parseJson', s), '$util.parseJson')),
  urlEncode: (s) => urlEncode(requireString('urlEncode', s)),
  urlDecode: (s) => decodeURIComponent(requireString('urlDecode', s).replace(/\+/g, ' ')),
  base64Encode: (s) => Buffer.from(requireString('base64Encode', s), 'utf8').toString('base64'),
  base64Decode: (s) => Buffer.from(requireString('base64Decode', s), 'base64').toString('utf8'),
};

// java.lang.String methods that JavaScript strings lack, or have with
// another meaning.
const stringMethods = {
  length: (s) => s.length,
  equals: (s, o) => o !== undefined && o !== null && s === String(o),
  equalsIgnoreCase: (s, o) => o !== undefined && o !== null && s.toLowerCase() === String(o).toLowerCase(),
  contains: (s, o) => s.includes(String(o)),
  isEmpty: (s) => s.length === 0,
  matches: (s, re) => new RegExp('^(?:' + re + ')$', 'u').test(s),
  replaceAll: (s, re, rep) => s.replace(new RegExp(re, 'gu'), javaReplacement(rep)),
  replaceFirst: (s, re, rep) => s.replace(new RegExp(re, 'u'), javaReplacement(rep)),
};

// javaReplacement converts a java.util.regex replacement ($1, \$) to
// JavaScript's ($1, $$).
function javaReplacement(rep) {
  return String(rep).replace(/\\(.)|\$(\d)|\$/g, (m, esc, d) => (esc !== undefined ? (esc === '$' ? '$$' : esc) : d !== undefined ? '$' + d : '$$'));
}

const customMethodHandlers = Object.keys(stringMethods).map((name) => ({
  uid: 'java.lang.String.' + name,
  match: ({ property, context }) => property === name && typeof context === 'string',
  resolve: ({ context, params }) => stringMethods[name](context, ...params),
}));

// javaTruth is Velocity 1.7's truth of a condition: only null and false
// are false (0 and "" are true, unlike JavaScript).
function javaTruth(v) {
  return v !== null && v !== undefined && v !== false;
}

// Velocity 1.7 evaluates a bare literal used as a condition (#if("x"),
// #if(1)) as false: only references, comparisons and true are conditions.
const LITERALS = new Set(['string', 'integer', 'decimal', 'array', 'map']);

// JavaCompile is velocityjs's Compile with Java Velocity 1.7's #set (a null
// right-hand side leaves the target unchanged) and truth (javaTruth in #if,
// #elseif, &&, || and !).
const SET_VALUE = '\u0000vtl-set-value';
class JavaCompile extends Compile {
  condition(ast) {
    return !LITERALS.has(ast.type) && javaTruth(this.getExpression(ast));
  }

  getExpression(ast) {
    if (ast.type === 'math') {
      const [a, b] = ast.expression;
      switch (ast.operator) {
        case '&&':
          return this.condition(a) && this.condition(b);
        case '||':
          return this.condition(a) || this.condition(b);
        case 'not':
          return !this.condition(a);
      }
    }
    return super.getExpression(ast);
  }

  getBlockIf(block) {
    let received = false;
    const asts = [];
    block.some((ast) => {
      const hasCondition = ast.type === 'elseif' || ast.type === 'if';
      if (!(hasCondition || ast.type === 'else')) {
        if (received) asts.push(ast);
        return false;
      }
      if (received) return true;
      received = hasCondition ? this.condition(ast.condition) : true;
      return false;
    });
    return this.renderAstList(asts, this.contextId);
  }

  setValue(ast) {
    const rhs = ast.equal[1];
    const val = rhs.type === 'math' ? this.getExpression(rhs) : this.getLiteral(rhs);
    if (val === null || val === undefined) return;
    const saved = ast.equal[1];
    ast.equal[1] = { type: 'references', id: SET_VALUE, leader: '$' };
    this.context[SET_VALUE] = val;
    try {
      super.setValue(ast);
    } finally {
      ast.equal[1] = saved;
      delete this.context[SET_VALUE];
    }
  }
}

const parsed = new Map();
function asts(template) {
  let a = parsed.get(template);
  if (!a) {
    a = parse(template);
    parsed.set(template, a);
  }
  return a;
}

// overrides records $context.*Override.* assignments and rejects a second
// assignment of the same one, as API Gateway does.
function overrides() {
  const seen = new Set();
  const once = (name) => {
    if (seen.has(name)) throw new Error(`${name} set twice; API Gateway answers 5XX (overrides are final)`);
    seen.add(name);
  };
  const group = (prefix) => javaMap(new Map(), (k) => once(`${prefix}.${k}`));
  const response = { header: group('$context.responseOverride.header') };
  const responseOverride = new Proxy(response, {
    set(target, prop, value) {
      if (prop === 'eval') return true;
      if (prop !== 'status') throw new Error(`$context.responseOverride.${String(prop)} is not an override`);
      once('$context.responseOverride.status');
      target.status = value;
      return true;
    },
  });
  const requestOverride = {
    header: group('$context.requestOverride.header'),
    path: group('$context.requestOverride.path'),
    querystring: group('$context.requestOverride.querystring'),
  };
  return { responseOverride, requestOverride, response };
}

function render(req) {
  if (typeof req.template !== 'string') throw new Error('request has no template');
  let body = req.body ?? '';
  if (typeof req.bodyBase64 === 'string') body = new TextDecoder('utf-8').decode(Buffer.from(req.bodyBase64, 'base64'));
  const params = {
    path: new Map(Object.entries(req.path || {})),
    querystring: new Map(Object.entries(req.querystring || {})),
    header: new Map(Object.entries(req.headers || {})),
  };
  let doc;
  const json = () => {
    if (doc === undefined) doc = parseJSONOrThrow(body, '$input.path/$input.json on the body');
    return doc;
  };
  const input = {
    body,
    path: (p) => fromJSON(evalJSONPath(json(), p) ?? null),
    json: (p) => JSON.stringify(evalJSONPath(json(), p) ?? null),
    params: (name) => {
      if (name === undefined) {
        return javaMap(new Map(Object.entries(params).map(([k, m]) => [k, javaMap(new Map(m))])));
      }
      for (const m of [params.path, params.querystring, params.header]) {
        if (m.has(String(name))) return m.get(String(name));
      }
      return '';
    },
  };
  const ov = overrides();
  const context = { ...(req.context || {}), responseOverride: ov.responseOverride, requestOverride: ov.requestOverride };
  const vars = { input, util, context, stageVariables: javaMap(req.stageVariables || {}) };
  const output = new JavaCompile(asts(req.template), { customMethodHandlers }).render(vars);

  let status = ov.response.status;
  if (typeof status === 'string' && /^\d+$/.test(status.trim())) status = Number(status.trim());
  const headerOverrides = {};
  for (const [k, v] of ov.response.header[MAP]) headerOverrides[k] = javaString(v);
  const requestOverrides = {};
  for (const kind of ['header', 'path', 'querystring']) {
    for (const [k, v] of ov.requestOverride[kind][MAP]) (requestOverrides[kind] ||= {})[k] = javaString(v);
  }
  return { output, statusOverride: status ?? null, headerOverrides, requestOverrides };
}

function answer(line) {
  try {
    return JSON.stringify(render(JSON.parse(line)));
  } catch (e) {
    return JSON.stringify({ error: String(e && e.message ? e.message : e) });
  }
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
rl.on('line', (line) => {
  if (line.trim() === '') return;
  process.stdout.write(answer(line) + '\n');
});
