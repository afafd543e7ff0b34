/* libyaml-scan FILE: pulls every event of the YAML stream in FILE from libyaml (the C parser
 * PyYAML's CLoader and go-yaml's port descend from), building nothing. A comparison point of
 * scripts/bench-yaml.sh; built there with `cc -O2 ... -lyaml` when libyaml's headers are
 * installed (Debian/Ubuntu: libyaml-dev). */
#include <stdio.h>
#include <yaml.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: libyaml-scan FILE\n");
        return 2;
    }
    FILE *file = fopen(argv[1], "rb");
    if (!file) {
        perror(argv[1]);
        return 2;
    }
    yaml_parser_t parser;
    yaml_event_t event;
    unsigned long events = 0;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, file);
    for (;;) {
        if (!yaml_parser_parse(&parser, &event)) {
            fprintf(stderr, "libyaml-scan: %s is not YAML: %s\n", argv[1], parser.problem ? parser.problem : "error");
            return 2;
        }
        events++;
        int done = event.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&event);
        if (done) break;
    }
    yaml_parser_delete(&parser);
    fclose(file);
    printf("libyaml-scan: %s: %lu events\n", argv[1], events);
    return 0;
}
