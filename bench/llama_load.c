/* Load a GGUF and generate a few tokens through llama.cpp's C API alone, no Python.
 *
 * Why: when llama-cpp-python crashes in llama_model_load_from_file, this tells whether the
 * library itself crashes (same params, no ctypes, no Python log callback) or only the
 * binding does. A SIGSEGV handler prints the native backtrace (execinfo; no gdb needed).
 *
 *   cc -O1 -g -rdynamic -o llama_load bench/llama_load.c -I INCLUDE -L LIBDIR -lllama \
 *      -Wl,-rpath,LIBDIR
 *   ./llama_load MODEL.gguf [n_gpu_layers=-1] [n_ctx=512] [flash_attn=1] [mmap=1] [extra_bufts=1]
 *
 * extra_bufts=0 turns off llama.cpp's extra CPU buffer types (AMX/repacked weights).
 *
 * Exit codes: 0 loaded and generated; 1 the library refused (a message says why); 2 usage.
 * A crash dies of its signal after printing "SIGSEGV backtrace:" and the frames.
 */
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llama.h"

static void on_crash(int sig) {
    void * frames[64];
    int n = backtrace(frames, 64);
    dprintf(2, "\n%s backtrace:\n", sig == SIGSEGV ? "SIGSEGV" : "SIGNAL");
    backtrace_symbols_fd(frames, n, 2);
    signal(sig, SIG_DFL);
    raise(sig);
}

int main(int argc, char ** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL.gguf [n_gpu_layers] [n_ctx] [flash_attn] [mmap] [extra_bufts]\n", argv[0]);
        return 2;
    }
    signal(SIGSEGV, on_crash);
    signal(SIGABRT, on_crash);
    signal(SIGBUS, on_crash);
    const int n_gpu_layers = argc > 2 ? atoi(argv[2]) : -1;
    const int n_ctx = argc > 3 ? atoi(argv[3]) : 512;
    const int flash_attn = argc > 4 ? atoi(argv[4]) : 1;
    const int use_mmap = argc > 5 ? atoi(argv[5]) : 1;
    const int extra_bufts = argc > 6 ? atoi(argv[6]) : 1;

    llama_backend_init();
    fprintf(stderr, "system: %s\n", llama_print_system_info());
    fprintf(stderr, "gpu offload supported: %d\n", (int) llama_supports_gpu_offload());

    struct llama_model_params mparams = llama_model_default_params();
    mparams.n_gpu_layers = n_gpu_layers;
    mparams.load_mode = use_mmap ? LLAMA_LOAD_MODE_MMAP : LLAMA_LOAD_MODE_NONE;
    mparams.use_extra_bufts = extra_bufts != 0;
    struct llama_model * model = llama_model_load_from_file(argv[1], mparams);
    if (model == NULL) {
        fprintf(stderr, "llama_load: the model did not load\n");
        return 1;
    }
    fprintf(stderr, "llama_load: model loaded\n");

    struct llama_context_params cparams = llama_context_default_params();
    cparams.n_ctx = (uint32_t) n_ctx;
    cparams.n_batch = (uint32_t) n_ctx;
    cparams.flash_attn_type = flash_attn ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
    struct llama_context * ctx = llama_init_from_model(model, cparams);
    if (ctx == NULL) {
        fprintf(stderr, "llama_load: no context\n");
        return 1;
    }
    const struct llama_vocab * vocab = llama_model_get_vocab(model);
    const char * prompt = "The quarterly report says";
    llama_token tokens[64];
    int n = llama_tokenize(vocab, prompt, (int32_t) strlen(prompt), tokens, 64, true, true);
    if (n <= 0) {
        fprintf(stderr, "llama_load: tokenize failed (%d)\n", n);
        return 1;
    }
    struct llama_sampler * smpl = llama_sampler_init_greedy();
    struct llama_batch batch = llama_batch_get_one(tokens, n);
    char piece[64];
    printf("generated:");
    for (int i = 0; i < 8; ++i) {
        if (llama_decode(ctx, batch) != 0) {
            fprintf(stderr, "llama_load: decode failed\n");
            return 1;
        }
        llama_token next = llama_sampler_sample(smpl, ctx, -1);
        int len = llama_token_to_piece(vocab, next, piece, sizeof piece - 1, 0, true);
        piece[len > 0 ? len : 0] = 0;
        printf(" [%d]%s", next, piece);
        tokens[0] = next;
        batch = llama_batch_get_one(tokens, 1);
    }
    printf("\nllama_load: ok\n");
    llama_sampler_free(smpl);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
