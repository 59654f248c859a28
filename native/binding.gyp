{
  "targets": [
    {
      "target_name": "mailwire_pcap",
      "sources": ["mailwire_pcap.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lpcap"]
    }
  ]
}
