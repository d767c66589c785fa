import { CST, Lexer, Parser } from 'yaml';
import type { SpecLimits } from './limits.js';
import { limitSetting } from './limits.js';

/** A bound a file goes over, at a character offset of its text. */
export interface BoundProblem {
  readonly offset: number;
  readonly message: string;
  readonly hint: string;
}

export type Tokens = { readonly tokens: CST.Token[] } | { readonly problem: BoundProblem };

/**
 * Lexes and parses YAML text into the library's concrete syntax tree, watching the token stream as it goes.
 * The tree of a hostile megabyte costs hundreds of megabytes (a million `[` is a million-level tree), so the
 * bounds that decide it are checked on the tokens, before the tree grows with them, and parsing stops at
 * the first one crossed:
 *
 * - documents: `---` starts are counted exactly;
 * - values: every scalar (a key too), alias and flow collection token is a value of its own, so counting them
 *   undercounts (block maps and lists, empty values are not tokens) and past `maxValues` there are more;
 * - nesting: on each line, the open indentation levels plus the block indicators on it plus the open flow
 *   collections is at most about twice the real depth (an indented line and its indicator can stand for one
 *   level), so past `2 * maxDepth + 2` the real depth is past `maxDepth`.
 *
 * Below those, the exact depth is measured on the tree (`tooDeep`) and the exact values while converting.
 */
export function parseTokens(text: string, limits: SpecLimits, onNewLine: (offset: number) => void): Tokens {
  const parser = new Parser(onNewLine);
  onNewLine(0);
  const tokens: CST.Token[] = [];
  const watch = new TokenWatch(limits);
  for (const lexeme of new Lexer().lex(text)) {
    const problem = watch.see(lexeme);
    if (problem !== undefined) return { problem };
    for (const token of parser.next(lexeme)) tokens.push(token);
  }
  for (const token of parser.end()) tokens.push(token);
  return { tokens };
}

class TokenWatch {
  private offset = 0;
  private documents = 0;
  private values = 0;
  private flow = 0;
  /** Indentation of the lines still open above the current one (block context). */
  private readonly indents: number[] = [];
  private lineIndent = 0;
  private lineStarted = false;
  private indicators = 0;
  /** The next lexeme is the source of a scalar (plain, or the body of a block scalar). */
  private scalarSource = false;
  private blockScalar = false;
  /** A document was opened and nothing written in it yet. */
  private freshDocument = false;

  constructor(private readonly limits: SpecLimits) {}

  see(lexeme: string): BoundProblem | undefined {
    const at = this.offset;
    if (this.scalarSource) {
      this.scalarSource = false;
      this.offset += lexeme.length;
      return undefined;
    }
    const type = CST.tokenType(lexeme);
    if (type !== 'doc-mode' && type !== 'flow-error-end' && type !== 'scalar') this.offset += lexeme.length;
    switch (type) {
      case 'doc-mode':
        // The lexer's mark of a document start: at the start of the stream and after `...`.
        this.freshDocument = true;
        return this.newDocument(at);
      case 'doc-start':
        // `---` opens a document, except the one the lexer has just marked.
        if (this.freshDocument) {
          this.freshDocument = false;
          return undefined;
        }
        return this.newDocument(at);
      case 'directive-line':
        return undefined;
      case 'newline':
        this.lineIndent = 0;
        this.lineStarted = false;
        this.indicators = 0;
        return undefined;
      case 'space':
        if (!this.lineStarted && lexeme.startsWith(' ')) this.lineIndent += lexeme.length;
        return undefined;
      case 'comment':
      case 'byte-order-mark':
        return undefined;
      case 'flow-error-end':
        this.flow = 0;
        return undefined;
      case 'scalar':
        this.scalarSource = true;
        if (this.blockScalar) {
          // The body of a block scalar: counted with its header, and its indentation is not structure.
          this.blockScalar = false;
          return undefined;
        }
        return this.value(at);
      case 'block-scalar-header':
        this.blockScalar = true;
        return this.value(at);
      case 'alias':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
        return this.value(at);
      case 'flow-map-start':
      case 'flow-seq-start': {
        const problem = this.value(at);
        this.flow++;
        return problem ?? this.depth(at);
      }
      case 'flow-map-end':
      case 'flow-seq-end':
        this.startLine();
        this.flow = Math.max(0, this.flow - 1);
        return undefined;
      case 'seq-item-ind':
      case 'explicit-key-ind':
      case 'map-value-ind':
        if (this.flow > 0) {
          this.startLine();
          return undefined;
        }
        this.startLine();
        this.indicators++;
        return this.depth(at);
      default:
        this.startLine();
        return undefined;
    }
  }

  private newDocument(at: number): BoundProblem | undefined {
    this.documents++;
    this.indents.length = 0;
    this.flow = 0;
    if (this.documents <= this.limits.maxDocuments) return undefined;
    return {
      offset: at,
      message: `the file holds more than ${this.limits.maxDocuments} YAML documents`,
      hint: `split it into several files, or raise ${limitSetting('maxDocuments')}`,
    };
  }

  private value(at: number): BoundProblem | undefined {
    this.startLine();
    this.values++;
    return this.tooManyValues(at) ?? this.depth(at);
  }

  /** The first structural token of a line closes the lines above that are not indented less than it. */
  private startLine(): void {
    this.freshDocument = false;
    if (this.lineStarted) return;
    this.lineStarted = true;
    if (this.flow > 0) return; // inside a flow collection, indentation says nothing
    while (this.indents.length > 0 && (this.indents[this.indents.length - 1] ?? 0) >= this.lineIndent) this.indents.pop();
    this.indents.push(this.lineIndent);
  }

  private tooManyValues(at: number): BoundProblem | undefined {
    if (this.values <= this.limits.maxValues) return undefined;
    return valuesProblem(at, this.limits);
  }

  private depth(at: number): BoundProblem | undefined {
    const bound = this.indents.length + this.indicators + this.flow;
    if (bound <= 2 * this.limits.maxDepth + 2) return undefined;
    return depthProblem(at, this.limits);
  }
}

export function valuesProblem(offset: number, limits: SpecLimits): BoundProblem {
  return {
    offset,
    message: `the file holds more than ${limits.maxValues} values (keys, strings, numbers, maps and lists)`,
    hint: `split it into several files, or raise ${limitSetting('maxValues')}`,
  };
}

export function depthProblem(offset: number, limits: SpecLimits): BoundProblem {
  return {
    offset,
    message: `maps and lists are nested more than ${limits.maxDepth} levels deep`,
    hint: `an SLO needs a handful of levels: check for a runaway indentation or unclosed brackets, or raise ${limitSetting('maxDepth')}`,
  };
}

/**
 * Offset of the first map or list of a document nested deeper than `maxDepth` (the top-level one is level 1),
 * measured on the syntax tree without recursion.
 */
export function tooDeep(doc: CST.Document, maxDepth: number): number | undefined {
  const stack: [CST.Token, number][] = doc.value === undefined ? [] : [[doc.value, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [token, above] = top;
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    const level = above + 1;
    if (level > maxDepth) return token.offset;
    for (const item of token.items) {
      if (item.key) stack.push([item.key, level]);
      if (item.value) stack.push([item.value, level]);
    }
  }
  return undefined;
}
