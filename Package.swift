// swift-tools-version:6.0
import PackageDescription

/// Upcoming features turned on for every Swift target, as swift-log does.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "hookrelay",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hookrelay", targets: ["hookrelay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // C libraries from the system (Debian -dev packages).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CurlShim", dependencies: ["CCurl"]),
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        // Pure logic: no sockets, no files, no database. Unit-tested directly.
        .target(
            name: "HookrelayCore",
            dependencies: ["COpenSSL", .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: swiftSettings
        ),

        // Adapters.
        .target(
            name: "HookrelayConfig",
            dependencies: ["HookrelayCore", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HookrelayStore",
            dependencies: ["HookrelayCore", "CSQLite"],
            swiftSettings: swiftSettings
        ),
        // The store for several nodes: PostgreSQL through libpq (SPEC §10).
        .target(
            name: "HookrelayPostgres",
            dependencies: ["HookrelayCore", "HookrelayStore", "CPostgres"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HookrelayHTTP",
            dependencies: [
                "HookrelayCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HookrelayCurl",
            dependencies: ["HookrelayCore", "CCurl", "CurlShim"],
            swiftSettings: swiftSettings
        ),
        // Wiring: the services of a running relay, shared by the executable and the tests.
        .target(
            name: "HookrelayRuntime",
            dependencies: [
                "HookrelayCore", "HookrelayStore", "HookrelayPostgres", "HookrelayHTTP", "HookrelayCurl",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hookrelay",
            dependencies: [
                "HookrelayCore", "HookrelayConfig", "HookrelayRuntime", "HookrelayCurl", "HookrelayStore", "HookrelayPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // Test support: signed event builders, a loopback HTTP client, process control.
        .target(
            name: "HookrelayTestSupport",
            dependencies: [
                "HookrelayCore", "HookrelayHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Fuzz targets' entry points (bytes in, the relay's parsers exercised): shared by the
        // libFuzzer harness that script/fuzz builds and by the corpus replay test.
        .target(
            name: "HookrelayFuzzEntries",
            dependencies: ["HookrelayCore", "HookrelayConfig"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "HookrelayCoreTests", dependencies: ["HookrelayCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HookrelayHTTPTests",
            dependencies: [
                "HookrelayHTTP", "HookrelayCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HookrelayStoreTests", dependencies: ["HookrelayStore", "HookrelayPostgres", "HookrelayCore", "HookrelayTestSupport", "CSQLite"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HookrelayRuntimeTests",
            dependencies: ["HookrelayRuntime", "HookrelayCore", "HookrelayHTTP", "HookrelayStore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "HookrelayConfigTests", dependencies: ["HookrelayConfig", "HookrelayCore"], swiftSettings: swiftSettings),
        .testTarget(name: "HookrelayFuzzTests", dependencies: ["HookrelayFuzzEntries"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HookrelayCurlTests",
            dependencies: [
                "HookrelayCurl", "HookrelayCore", "HookrelayHTTP", "HookrelayTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HookrelayIntegrationTests",
            dependencies: [
                "HookrelayCore", "HookrelayConfig", "HookrelayStore", "HookrelayPostgres", "HookrelayRuntime", "HookrelayTestSupport", "CSQLite",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
