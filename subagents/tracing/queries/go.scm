; Go: a method's type is its parent; a package is a directory.
(package_clause (package_identifier) @package)

(function_declaration name: (identifier) @name) @definition.function
(method_declaration
  receiver: (parameter_list (parameter_declaration
    type: [(type_identifier) (pointer_type (type_identifier)) (generic_type)] @parent))
  name: (field_identifier) @name) @definition.function
(type_spec name: (type_identifier) @name type: [(struct_type) (interface_type)]) @definition.class
; An embedded field's methods are promoted: it acts as a base.
(type_spec
  name: (type_identifier) @name
  type: (struct_type (field_declaration_list
    (field_declaration !name type: [(type_identifier) (qualified_type)] @base)))) @definition.class
; An interface's methods: declarations whose implementations receive their calls.
(type_spec
  name: (type_identifier) @parent
  type: (interface_type (method_elem name: (field_identifier) @name) @definition.function))
(interface_type (method_elem) @abstract)

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (selector_expression
  operand: (_) @receiver
  field: (field_identifier) @name)) @reference.call
(selector_expression operand: (_) @receiver field: (field_identifier) @name) @reference.attribute
(composite_literal type: (type_identifier) @name) @reference.call
(argument_list (identifier) @name @reference.value)

(import_spec !name path: (interpreted_string_literal) @module) @import.module
(import_spec name: (package_identifier) @alias path: (interpreted_string_literal) @module) @import.module
(import_spec name: (dot) path: (interpreted_string_literal) @module) @import.star

(method_declaration receiver: (parameter_list
  (parameter_declaration name: (identifier) @var
    type: [(type_identifier) (pointer_type (type_identifier))] @type) @bind))
(parameter_declaration
  name: (identifier) @var
  type: [(type_identifier) (pointer_type) (qualified_type)] @type) @bind
(var_spec name: (identifier) @var type: [(type_identifier) (pointer_type) (qualified_type)] @type) @bind
; ``x := f()``: what ``f`` returns; a function's result type.
(short_var_declaration
  left: (expression_list . (identifier) @var)
  right: (expression_list . (call_expression
    function: [(identifier) (selector_expression)] @type))) @bind
(function_declaration result: [(type_identifier) (pointer_type) (qualified_type)] @type) @returns
(method_declaration result: [(type_identifier) (pointer_type) (qualified_type)] @type) @returns
(short_var_declaration
  left: (expression_list . (identifier) @var)
  right: (expression_list . [
    (composite_literal type: [(type_identifier) (qualified_type)] @type)
    (unary_expression operand: (composite_literal type: [(type_identifier) (qualified_type)] @type))])) @bind
