/// The fields of a form body (urlencoded or multipart), in order; repeated names are all kept and
/// lookups take the first. Multipart file parts are listed in `files`, not as fields.
struct FormFields: Sendable, Equatable {
    struct Field: Sendable, Equatable {
        var name: String
        var value: String
    }

    /// A multipart part that carried a `filename` (e.g. Mailgun's `attachment-1`).
    struct File: Sendable, Equatable {
        var name: String
        var filename: String
        var contentType: String?
        /// Where the part's contents are in the request body.
        var range: Range<Int>
    }

    var fields: [Field] = []
    var files: [File] = []

    /// The value of the first field called exactly `name`.
    func first(_ name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// The value of the first field whose name equals `name` ignoring ASCII case.
    func firstIgnoringCase(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Every value of the fields called `name`, in order.
    func all(_ name: String) -> [String] {
        fields.lazy.filter { $0.name == name }.map(\.value)
    }
}
