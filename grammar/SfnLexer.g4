// The SFN lexer (LANGUAGE.md §2). String literals use a mode stack: `"` pushes STRING_MODE,
// `${` pushes DEFAULT_MODE, and every `{` also pushes DEFAULT_MODE so that the `}` closing an
// interpolation pops back into the string while the `}` of a nested block or map does not.
// The lexer is total: every input lexes (bad characters, bad numbers and bad escapes become
// tokens the front end reports), so the parser never sees a lexer exception.
lexer grammar SfnLexer;

channels { DOC_CHANNEL }

// ---------------------------------------------------------------- keywords
PACKAGE : 'package';
IMPORT : 'import';
MESSAGE : 'message';
ENUM : 'enum';
FUNCTION : 'function';
FN : 'fn';
EXTERN : 'extern';
CONST : 'const';
STATE : 'state';
ON : 'on';
INGRESS : 'ingress';
EGRESS : 'egress';
LET : 'let';
VAR : 'var';
IF : 'if';
ELSE : 'else';
WHILE : 'while';
FOR : 'for';
IN : 'in';
BREAK : 'break';
CONTINUE : 'continue';
RETURN : 'return';
SEND : 'send';
TO : 'to';
AFTER : 'after';
EMIT : 'emit';
CANCEL : 'cancel';
CLEAR : 'clear';
FAIL : 'fail';
SELF : 'self';
TRUE : 'true';
FALSE : 'false';
NONE : 'none';
EXPIRES : 'expires';
WRITE : 'write';
CALL : 'call';
// type names
INT_T : 'int';
FLOAT_T : 'float';
BOOL_T : 'bool';
STRING_T : 'string';
BYTES_T : 'bytes';
TIME_T : 'time';
DURATION_T : 'duration';
TIMER_T : 'timer';
LIST_T : 'list';
MAP_T : 'map';
REF_T : 'ref';

// ---------------------------------------------------------------- literals
// Order matters for equal-length matches: a valid literal wins over BAD_NUMBER, and BAD_NUMBER
// (digits glued to letters, e.g. `5min`, `0xZZ`) wins over a shorter valid prefix.
DURATION_LIT : DIGIT (DIGIT | '_')* ('ns' | 'us' | 'ms' | 's' | 'm' | 'h' | 'd');
HEX_LIT : '0' [xX] (HEX_DIGIT | '_')+;
FLOAT_LIT
  : DIGIT (DIGIT | '_')* '.' DIGIT (DIGIT | '_')* EXPONENT?
  | DIGIT (DIGIT | '_')* EXPONENT
  ;
INT_LIT : DIGIT (DIGIT | '_')*;
BAD_NUMBER : DIGIT (DIGIT | '_' | '.' DIGIT)* [a-zA-Z_] [a-zA-Z0-9_]*;

IDENT : [a-zA-Z_] [a-zA-Z0-9_]*;

STR_START : '"' -> pushMode(STRING_MODE);

// ---------------------------------------------------------------- punctuation
LBRACE : '{' -> pushMode(DEFAULT_MODE);
RBRACE : '}' -> popMode;  // the lexer subclass ignores a pop of an empty stack
LPAREN : '(';
RPAREN : ')';
LBRACK : '[';
RBRACK : ']';
SEMI : ';';
COLON : ':';
COMMA : ',';
DOTDOT : '..';
DOT : '.';
ARROW : '->';
QQ : '??';
QUESTION : '?';
OROR : '||';
ANDAND : '&&';
EQEQ : '==';
NEQ : '!=';
LE : '<=';
GE : '>=';
LT : '<';
GT : '>';
PLUS_ASSIGN : '+=';
MINUS_ASSIGN : '-=';
STAR_ASSIGN : '*=';
SLASH_ASSIGN : '/=';
PERCENT_ASSIGN : '%=';
ASSIGN : '=';
PLUS : '+';
MINUS : '-';
STAR : '*';
SLASH : '/';
PERCENT : '%';
BANG : '!';

// ---------------------------------------------------------------- trivia
// `///` (but not `////`) is documentation, kept on its own channel for the AST builder.
DOC_COMMENT : '///' (~[/\r\n] ~[\r\n]*)? -> channel(DOC_CHANNEL);
LINE_COMMENT : '//' ~[\r\n]* -> skip;
// Unterminated block comments match up to EOF; the front end reports them.
BLOCK_COMMENT : '/*' .*? ('*/' | EOF) -> channel(HIDDEN);
WS : [ \t\r\n\f\u000B\uFEFF]+ -> skip;
// Anything else: reported as "unexpected character" by the front end, then dropped.
ERROR_CHAR : .;

fragment DIGIT : [0-9];
fragment HEX_DIGIT : [0-9a-fA-F];
fragment EXPONENT : [eE] [+-]? DIGIT (DIGIT | '_')*;

// ---------------------------------------------------------------- inside "..."
mode STRING_MODE;
STR_END : '"' -> popMode;
STR_TEXT : ~["\\$\r\n]+;
STR_UNICODE : '\\u{' ~[}"\\$\r\n]* '}';
STR_ESCAPE : '\\' ~[\r\n];
INTERP_START : '${' -> pushMode(DEFAULT_MODE);
STR_DOLLAR : '$';
// A line break or a lone backslash before one ends the literal: reported as unterminated.
STR_NEWLINE : '\\'? ('\r'? '\n' | '\r') -> popMode;
