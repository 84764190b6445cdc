/// The most elements a request body may hold: JSON values (objects, arrays and scalars alike), or
/// form fields and files. Reading a body costs ~30–90 bytes of memory per element, so without a
/// bound a body of tiny values under `max_body` (`[[0],[0],…]`, `a&a&…`) would take ten to twenty
/// times its size while it is read — ~220 MiB for 10 MiB — before its signature is known
/// (Mailgun's is inside the body). At this bound a read stays under ~25 MiB. A webhook event holds
/// a few hundred elements; a signed 600 KB legacy form of short user variables (SPEC §11's
/// example) ~75,000. Past it the sender gets 413 (SPEC §11; docs/DECISIONS.md).
public enum BodyElementLimit {
    public static let maxElements = 250_000
}
