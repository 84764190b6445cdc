/// The version hookrelay reports (`User-Agent`, `Server`, `--version`).
public enum HookrelayVersion {
    public static let current = "0.1.0"
}
