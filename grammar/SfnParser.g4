// The SFN parser (LANGUAGE.md §3–§7). Expression precedence follows §6: alternatives of `expr`
// listed first bind tighter (postfix, unary, `* / %`, `+ -`, comparisons, `== !=`, `&&`, `||`,
// `??`). The grammar is written so that SLL prediction succeeds on valid input (the front end
// parses with SLL first and falls back to full LL only after an error). compiler/parse/ turns
// the resulting tree into ast::File; no other part of the compiler sees this grammar's contexts.
parser grammar SfnParser;

options { tokenVocab = SfnLexer; }

file : packageDecl importDecl* declaration* EOF;

packageDecl : PACKAGE qualifiedName SEMI;
importDecl : IMPORT (stringLit | qualifiedName) SEMI;
// The first part is a plain identifier so that a missing `package` is not "repaired" by reading
// the next declaration keyword as a name.
qualifiedName : IDENT (DOT anyName)*;

// A name after `.` and in qualified names may be a keyword: `xs.clear()`, `import std.time;`.
anyName : IDENT | keyword;
keyword
  : PACKAGE | IMPORT | MESSAGE | ENUM | FUNCTION | FN | EXTERN | CONST | STATE | ON | INGRESS
  | EGRESS | LET | VAR | IF | ELSE | WHILE | FOR | IN | BREAK | CONTINUE | RETURN | SEND | TO
  | AFTER | EMIT | CANCEL | CLEAR | FAIL | SELF | TRUE | FALSE | NONE | EXPIRES | WRITE | CALL
  | typeKeyword
  ;
typeKeyword
  : INT_T | FLOAT_T | BOOL_T | STRING_T | BYTES_T | TIME_T | DURATION_T | TIMER_T | LIST_T
  | MAP_T | REF_T
  ;

// ---------------------------------------------------------------- declarations
declaration
  : messageDecl
  | enumDecl
  | constDecl
  | fnDecl
  | externFnDecl
  | functionDecl
  | ingressDecl
  | egressDecl
  | {_input->LT(1)->getText() == "test"}? testDecl  // only `test` starts one: a stray name stays an error of its own
  ;

messageDecl : MESSAGE IDENT LBRACE fieldDecl* RBRACE;
fieldDecl : IDENT COLON type (ASSIGN expr)? SEMI;
enumDecl : ENUM IDENT LBRACE (enumValue (COMMA enumValue)* COMMA?)? RBRACE;
enumValue : IDENT;
constDecl : CONST IDENT (COLON type)? ASSIGN expr SEMI;
fnDecl : FN IDENT LPAREN paramList? RPAREN (ARROW type)? block;
externFnDecl : EXTERN FN IDENT LPAREN paramList? RPAREN (ARROW type)? SEMI;
paramList : param (COMMA param)* COMMA?;
param : IDENT COLON type;
functionDecl : FUNCTION IDENT LPAREN param RPAREN LBRACE member* RBRACE;
member : stateDecl | handler;
stateDecl : STATE IDENT COLON type (ASSIGN expr)? expiry? SEMI;
expiry : EXPIRES expr AFTER (WRITE | CALL);
handler : ON IDENT (LPAREN IDENT RPAREN)? block;
ingressDecl : INGRESS IDENT LPAREN param RPAREN ARROW expr SEMI;
egressDecl : EGRESS IDENT COLON type SEMI;

// ---------------------------------------------------------------- tests
// `test "name" { ... }` (docs/decisions/140-sfn-test.md). `test`, `advance`, `expect`,
// `emitted`, `failed` and `contains` are contextual words, not keywords (the AST builder checks
// them), so programs may keep using them as names. No other declaration starts with a name.
// `contains` is told apart by a predicate: `R { ... }` after the egress would else also read
// as the word `R` followed by a map literal.
testDecl : IDENT stringLit LBRACE testStmt* RBRACE;
testStmt
  : SEND expr TO expr SEMI                              # testSend          // send M {..} to ingress | F(key)
  | IDENT IDENT IDENT ({_input->LT(1)->getText() == "contains"}? IDENT)? expr SEMI
                                                        # testExpectRecords // expect emitted EGRESS [contains] R | [R, ...]
  | IDENT IDENT expr stringLit SEMI                     # testExpectFailed  // expect failed F(key) "error"
  | IDENT expr SEMI                                     # testWord          // advance D | expect F(key).s == v
  ;

// ---------------------------------------------------------------- types
type : typeAtom QUESTION?;
typeAtom
  : LIST_T LT type GT                 # listType
  | MAP_T LT type COMMA type GT       # mapType
  | REF_T LT IDENT GT                 # refType
  | (typeKeyword | IDENT)             # namedType
  ;

// ---------------------------------------------------------------- statements
block : LBRACE statement* RBRACE;

statement
  : letStmt
  | ifStmt
  | whileStmt
  | forStmt
  | breakStmt
  | continueStmt
  | returnStmt
  | emitStmt
  | cancelStmt
  | clearStmt
  | failStmt
  | sendStmt
  | block       // not valid SFN; parsed so that a stray block is one clear error
  | exprStmt
  ;

letStmt : (LET | VAR) IDENT (COLON type)? (ASSIGN rhs)? SEMI;
// The right-hand side of a binding or an assignment may be a (delayed) send.
rhs : sendExpr | expr;
sendExpr : SEND expr TO expr (AFTER expr)?;
ifStmt : IF LPAREN expr RPAREN block elseIf* (ELSE block)?;
elseIf : ELSE IF LPAREN expr RPAREN block;
whileStmt : WHILE LPAREN expr RPAREN block;
forStmt : FOR LPAREN IDENT (COMMA IDENT)? IN expr (DOTDOT expr)? RPAREN block;
breakStmt : BREAK SEMI;
continueStmt : CONTINUE SEMI;
returnStmt : RETURN expr? SEMI;
emitStmt : EMIT expr TO IDENT SEMI;
cancelStmt : CANCEL expr SEMI;
clearStmt : CLEAR (IDENT | SELF) SEMI;
failStmt : FAIL expr SEMI;
sendStmt : sendExpr SEMI;
exprStmt : expr (assignOp rhs)? SEMI;
assignOp : ASSIGN | PLUS_ASSIGN | MINUS_ASSIGN | STAR_ASSIGN | SLASH_ASSIGN | PERCENT_ASSIGN;

// ---------------------------------------------------------------- expressions
expr
  : primary                                            # primaryExpr
  | expr DOT anyName                                   # fieldExpr
  | expr LBRACK expr RBRACK                            # indexExpr
  | expr LPAREN argList? RPAREN                        # callExpr
  | expr BANG                                          # unwrapExpr
  | op = (MINUS | BANG) expr                           # unaryExpr
  | expr op = (STAR | SLASH | PERCENT) expr            # binaryExpr
  | expr op = (PLUS | MINUS) expr                      # binaryExpr
  | expr op = (LT | LE | GT | GE) expr                 # binaryExpr
  | expr op = (EQEQ | NEQ) expr                        # binaryExpr
  | expr op = ANDAND expr                              # binaryExpr
  | expr op = OROR expr                                # binaryExpr
  | expr op = QQ expr                                  # binaryExpr
  ;
argList : expr (COMMA expr)* COMMA?;

primary
  : INT_LIT                                                        # intLit
  | HEX_LIT                                                        # intLit
  | FLOAT_LIT                                                      # floatLit
  | DURATION_LIT                                                   # durationLit
  | BAD_NUMBER                                                     # badNumber
  | (TRUE | FALSE)                                                 # boolLit
  | NONE                                                           # noneLit
  | SELF                                                           # selfLit
  | stringLit                                                      # stringExpr
  | LBRACK (expr (COMMA expr)* COMMA?)? RBRACK                     # listLit
  | LBRACE (mapEntry (COMMA mapEntry)* COMMA?)? RBRACE             # mapLit
  | IDENT LBRACE (fieldInit (COMMA fieldInit)* COMMA?)? RBRACE     # messageLit
  | (IDENT | typeKeyword)                                          # nameExpr
  | LPAREN expr RPAREN                                             # parenExpr
  ;
mapEntry : expr COLON expr;
fieldInit : IDENT COLON expr;

stringLit : STR_START stringPart* (STR_END | STR_NEWLINE);
stringPart
  : STR_TEXT                            # strText
  | STR_ESCAPE                          # strEscape
  | STR_UNICODE                         # strUnicode
  | STR_DOLLAR                          # strDollar
  | INTERP_START expr RBRACE            # strInterp
  ;
