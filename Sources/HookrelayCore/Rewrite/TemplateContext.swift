import Mustache

/// The Mustache view of a `JSONValue`: objects are looked up by member name (so `event-data`
/// and other hyphenated names work in dotted paths), arrays iterate in sections, numbers render
/// as their JSON text, `null` counts as missing, and an object or array used as `{{value}}`
/// renders as compact JSON.
enum TemplateContext {
    static func wrap(_ value: JSONValue) -> Any? {
        switch value {
        case .object(let object): return TemplateObject(object: object)
        case .array(let elements): return TemplateArray(value: value, elements: elements.compactMap(wrap))
        case .string(let string): return string
        case .number(let text): return TemplateNumber(text: text)
        case .bool(let flag): return flag
        case .null: return nil
        }
    }
}

/// A JSON object in a template context.
struct TemplateObject: MustacheParent, MustacheCustomRenderable {
    let object: JSONObject

    func child(named name: String) -> Any? {
        object[name].flatMap(TemplateContext.wrap)
    }

    var renderText: String { JSONWriter.text(.object(object)) }
    var isNull: Bool { false }
}

/// A JSON array in a template context: a section over it repeats per element; `{{tags.0}}` picks one.
struct TemplateArray: MustacheSequence, MustacheParent, MustacheCustomRenderable, MustacheTransformable {
    let value: JSONValue
    let elements: [Any]

    func makeIterator() -> IndexingIterator<[Any]> { elements.makeIterator() }

    func child(named name: String) -> Any? {
        guard let index = Int(name), elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    func transform(_ name: String) -> Any? { elements.transform(name) }

    var renderText: String { JSONWriter.text(value) }
    var isNull: Bool { false }
}

/// A JSON number in a template context: rendered exactly as it was written.
struct TemplateNumber: MustacheCustomRenderable {
    let text: String
    var renderText: String { text }
    var isNull: Bool { false }
}
