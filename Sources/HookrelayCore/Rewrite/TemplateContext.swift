import Mustache

/// The Mustache view of a `JSONValue`: objects are looked up by member name (so `event-data`
/// and other hyphenated names work in dotted paths), arrays iterate in sections, numbers render
/// as their JSON text, `null` counts as missing, and an object or array used as `{{value}}`
/// renders as compact JSON.
enum TemplateContext {
    /// `value` for a render that keeps what it works out in `memo`.
    static func wrap(_ value: JSONValue, memo: TemplateRenderMemo) -> Any? {
        switch value {
        case .object(let object): return TemplateObject(object: object, memo: memo)
        case .array(let elements): return TemplateArray(value: value, elements: memo.wrapped(elements))
        case .string(let string): return string
        case .number(let text): return TemplateNumber(text: text)
        case .bool(let flag): return flag
        case .null: return nil
        }
    }
}

/// What one render works out about the event it renders, shared by every lookup, so that
/// rendering stays linear in the event (SPEC §11): a section over N elements naming a field of
/// an enclosing object looks it up N times, and each lookup scanned the object's members (16,000
/// tags and members took 18 s), and each lookup of an array wrapped all its elements again.
/// Large objects get an index of their member names and large arrays their elements wrapped, once.
/// Keyed by the address of the members' or elements' storage, which the entry keeps alive (so
/// no address is reused while the render lasts). Made per render, used by its one thread.
final class TemplateRenderMemo {
    /// Objects with more members than this get an index; arrays longer than this are wrapped once.
    /// Smaller ones are scanned or wrapped at each lookup, which costs less than keeping them.
    static let threshold = 16

    private var indexes: [UnsafeRawPointer: (members: [JSONObject.Member], positions: [String: Int])] = [:]
    private var arrays: [UnsafeRawPointer: (values: [JSONValue], elements: [Any])] = [:]

    /// The value of the first member called `name`.
    func value(of name: String, in object: JSONObject) -> JSONValue? {
        let members = object.members
        guard members.count > Self.threshold else { return members.first { $0.name == name }?.value }
        let key = members.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) }
        if let entry = indexes[key] { return entry.positions[name].map { members[$0].value } }
        var positions: [String: Int] = [:]
        positions.reserveCapacity(members.count)
        for (position, member) in members.enumerated() where positions[member.name] == nil { positions[member.name] = position }
        indexes[key] = (members, positions)
        return positions[name].map { members[$0].value }
    }

    /// The wrapped non-null elements of an array.
    func wrapped(_ values: [JSONValue]) -> [Any] {
        guard values.count > Self.threshold else { return values.compactMap { TemplateContext.wrap($0, memo: self) } }
        let key = values.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) }
        if let entry = arrays[key] { return entry.elements }
        let elements = values.compactMap { TemplateContext.wrap($0, memo: self) }
        arrays[key] = (values, elements)
        return elements
    }
}

/// A JSON object in a template context.
struct TemplateObject: MustacheParent, MustacheCustomRenderable {
    let object: JSONObject
    let memo: TemplateRenderMemo

    func child(named name: String) -> Any? {
        memo.value(of: name, in: object).flatMap { TemplateContext.wrap($0, memo: memo) }
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
