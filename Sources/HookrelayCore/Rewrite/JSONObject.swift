/// A JSON object: members in order; lookups take the first member of a name.
public struct JSONObject: Sendable, Equatable {
    /// One `"name": value` member.
    public struct Member: Sendable, Equatable {
        public var name: String
        public var value: JSONValue
        public init(_ name: String, _ value: JSONValue) {
            self.name = name
            self.value = value
        }
    }

    public var members: [Member]

    public init(_ members: [Member] = []) {
        self.members = members
    }

    /// The value of the first member called `name`; setting replaces it in place, or appends a
    /// member; setting nil removes every member of that name.
    public subscript(name: String) -> JSONValue? {
        get { members.first { $0.name == name }?.value }
        set {
            guard let newValue else {
                members.removeAll { $0.name == name }
                return
            }
            if let index = members.firstIndex(where: { $0.name == name }) {
                members[index].value = newValue
            } else {
                members.append(Member(name, newValue))
            }
        }
    }

    public var isEmpty: Bool { members.isEmpty }
}
